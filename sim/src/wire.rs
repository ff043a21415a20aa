//! A model of the browser's send buffer and the network behind it, for tests that follow
//! messages past the socket.

use std::collections::VecDeque;

/// The simulated browser's send buffer and a network that delivers, in order, every message
/// that leaves it whole.
#[derive(Debug, Default)]
pub struct Wire {
    /// Messages (`None`: pings) not yet wholly transmitted, with their bytes still unsent.
    pub buffer: VecDeque<(Option<String>, u64)>,
    /// What the server received.
    pub delivered: Vec<String>,
}

impl Wire {
    /// The network takes `bytes` from the front of the buffer.
    pub fn drain(&mut self, mut bytes: u64) {
        while let Some((frame, left)) = self.buffer.front_mut() {
            let taken = bytes.min(*left);
            *left -= taken;
            bytes -= taken;
            if *left > 0 {
                break;
            }
            if let Some(frame) = frame.take() {
                self.delivered.push(frame);
            }
            self.buffer.pop_front();
        }
    }

    /// The bytes not transmitted yet: the browser's `bufferedAmount`.
    pub fn unsent(&self) -> u64 {
        self.buffer.iter().map(|(_, left)| left).sum()
    }
}
