//! Where the machine keeps its session in session mode. Without the crate's `session` feature
//! the slot is always empty, known at compile time, so a build that never runs sessions (the
//! npm package's engine, the Rust face until it offers them) links none of their code.

use std::marker::PhantomData;

use super::client::ClientSession;
use super::control::Terms;
#[cfg(feature = "session")]
use super::incoming::AckPolicy;

/// The machine's session, if it runs in session mode.
#[derive(Debug)]
pub(crate) struct Slot<F> {
    #[cfg(feature = "session")]
    session: Option<ClientSession<F>>,
    frames: PhantomData<fn() -> F>,
}

impl<F: Clone + crate::WireSize> Slot<F> {
    /// A session with `terms`, or none. `Err` when the policy asks for one and the crate was
    /// built without its `session` feature.
    pub(crate) fn new(terms: Option<Terms>) -> Result<Self, ()> {
        #[cfg(feature = "session")]
        {
            let session = terms.map(|terms| ClientSession::new(terms, AckPolicy::default()));
            Ok(Slot {
                session,
                frames: PhantomData,
            })
        }
        #[cfg(not(feature = "session"))]
        {
            match terms {
                Some(_) => Err(()),
                None => Ok(Slot {
                    frames: PhantomData,
                }),
            }
        }
    }
}

impl<F: Clone + crate::WireSize> Slot<F> {
    /// Puts `saved` in place of the session, keeping its terms; false without a session, or
    /// over one that has a server's name or messages of its own.
    pub(crate) fn restore(&mut self, saved: super::Saved<F>) -> bool {
        #[cfg(feature = "session")]
        if let Some(session) = &mut self.session {
            // Never over a session of this page's own: its messages would be lost.
            if session.identity().is_some() || session.outgoing().pending() > 0 {
                return false;
            }
            *session = ClientSession::restored(session.terms(), AckPolicy::default(), saved);
            return true;
        }
        let _ = saved;
        false
    }
}

impl<F> Slot<F> {
    #[inline]
    pub(crate) fn get(&self) -> Option<&ClientSession<F>> {
        #[cfg(feature = "session")]
        return self.session.as_ref();
        #[cfg(not(feature = "session"))]
        return None;
    }

    #[inline]
    pub(crate) fn get_mut(&mut self) -> Option<&mut ClientSession<F>> {
        #[cfg(feature = "session")]
        return self.session.as_mut();
        #[cfg(not(feature = "session"))]
        return None;
    }

    #[inline]
    pub(crate) fn is_some(&self) -> bool {
        self.get().is_some()
    }
}
