//! Heap allocation of the margin check's large structures without a stack copy.
//!
//! `Box::new(Workspace::new())` may build the value on the stack before moving it to the heap, and
//! the workspace (~10 KB) is larger than an SBF stack frame (4 KB). These structures are valid when
//! all zero, so they are allocated zeroed, in place.

use alloc::alloc::{alloc_zeroed, handle_alloc_error, Layout};
use alloc::boxed::Box;
use risk_engine::Workspace;

use crate::margin::EngineInputs;

/// Types whose all-zero bit pattern is a valid value.
///
/// # Safety
/// Every field must be an integer, a `bool`, an enum whose discriminant 0 is a variant, or an array
/// or struct of those (no references, no `NonZero`, no niche-optimised `Option`).
pub unsafe trait ZeroValid: Sized {}

// SAFETY: the engine's workspace holds integers, bools, arrays of them and `Kind` (0 = `Perp`);
// `zeroed_workspace_equals_a_new_one` below checks it field by field.
unsafe impl ZeroValid for Workspace {}
// SAFETY: engine inputs are the engine's plain value types (integers, bools, `Kind`, parameter
// tables of integers) in arrays, plus counts.
unsafe impl ZeroValid for EngineInputs {}
// SAFETY: a zero-copy account body is `Pod`.
unsafe impl ZeroValid for crate::state::MarginAccount {}

/// A heap copy of a `Pod` value, copied as bytes (never through the stack).
pub fn boxed_copy<T: ZeroValid + bytemuck::Pod>(value: &T) -> Box<T> {
    let mut copy = zeroed_box::<T>();
    bytemuck::bytes_of_mut(&mut *copy).copy_from_slice(bytemuck::bytes_of(value));
    copy
}

/// A zeroed `T` on the heap, written in place.
pub fn zeroed_box<T: ZeroValid>() -> Box<T> {
    let layout = Layout::new::<T>();
    // SAFETY: the layout is `T`'s (not zero-sized: these types hold arrays); the memory is zeroed,
    // which `ZeroValid` makes a valid `T`; `Box::from_raw` takes ownership of an allocation made
    // with the global allocator and this layout.
    unsafe {
        let ptr = alloc_zeroed(layout) as *mut T;
        if ptr.is_null() {
            handle_alloc_error(layout);
        }
        Box::from_raw(ptr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeroed_workspace_equals_a_new_one() {
        let zeroed = zeroed_box::<Workspace>();
        assert_eq!(format!("{:?}", *zeroed), format!("{:?}", Workspace::new()));
    }
}
