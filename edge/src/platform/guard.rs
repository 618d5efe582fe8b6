//! One guard for every "something runs" mark of the order object: it runs the end action
//! when dropped, so the mark is cleared however the work ends (an error, a panic caught by
//! the runtime, an early return).

/// Runs its action when dropped.
pub struct Guard<F: FnMut()>(F);

impl<F: FnMut()> Guard<F> {
    /// A guard that runs `end` when dropped.
    pub fn new(end: F) -> Self {
        Self(end)
    }
}

impl<F: FnMut()> Drop for Guard<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}
