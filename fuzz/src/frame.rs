//! The frames the `machine` target sends: numbered in send order, so order is easy to check.

use resocket_core::WireSize;

/// A numbered message of a fixed size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame(pub u64);

impl Frame {
    /// Every frame's size, as the browser's `bufferedAmount` counts it.
    pub const SIZE: u64 = 8;
}

impl WireSize for Frame {
    fn wire_size(&self) -> u64 {
        Frame::SIZE
    }
}
