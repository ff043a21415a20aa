//! [`follow`]: a socket's events into a hook's values.

use futures_util::StreamExt;
use resocket::codec::Decoder;
use resocket::{Event, Receiver};

use crate::{Figures, Holder};

/// Reads the socket's events until the stream ends or the holder lets its sender go: hands
/// each message to `deliver`, in order, and shows the figures after each event (after
/// `deliver`, which may have sent). A hook spawns it on its framework's executor when the
/// socket opens.
pub async fn follow<H, In>(
    holder: H,
    mut events: Receiver<In, H::Codec>,
    mut deliver: impl FnMut(In),
) where
    H: Holder,
    H::Codec: Decoder<In>,
{
    while let Some(event) = events.next().await {
        // The socket of a component that is gone reports nothing more.
        if holder.with_sender(|_| ()).is_none() {
            break;
        }
        if let Event::Message(message) = event {
            deliver(message);
        }
        match holder.with_sender(Figures::of) {
            Some(figures) => holder.show(figures),
            None => break,
        }
    }
}
