//! The global allocator on `wasm32`: a bump allocator over `memory.grow`.
//!
//! An execution is short and its instance is discarded, so memory is never given back to
//! the host; `dealloc` and `realloc` of the most recent allocation still reuse its space,
//! which keeps `Vec` growth and temporary buffers cheap. About 200 bytes of code.
#![allow(unsafe_code)]

use core::alloc::{GlobalAlloc, Layout};
use core::cell::Cell;

const PAGE: usize = 65536;

struct Bump {
    next: Cell<usize>,
    end: Cell<usize>,
}

// SAFETY: a wasm32 contract runs on one thread.
unsafe impl Sync for Bump {}

#[global_allocator]
static ALLOC: Bump = Bump {
    next: Cell::new(0),
    end: Cell::new(0),
};

extern "C" {
    static __heap_base: u8;
}

impl Bump {
    /// Makes sure memory reaches `to`; false if the host refuses to grow it.
    fn reserve(&self, to: usize) -> bool {
        if to <= self.end.get() {
            return true;
        }
        let pages = (to - self.end.get()).div_ceil(PAGE);
        if core::arch::wasm32::memory_grow(0, pages) == usize::MAX {
            return false;
        }
        self.end.set(core::arch::wasm32::memory_size(0) * PAGE);
        true
    }

    fn init(&self) {
        if self.next.get() == 0 {
            // Taking the address of a linker-provided symbol (no read) is safe.
            self.next.set(core::ptr::addr_of!(__heap_base) as usize);
            self.end.set(core::arch::wasm32::memory_size(0) * PAGE);
        }
    }
}

unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.init();
        let start = (self.next.get() + layout.align() - 1) & !(layout.align() - 1);
        let Some(end) = start.checked_add(layout.size()) else {
            return core::ptr::null_mut();
        };
        if !self.reserve(end) {
            return core::ptr::null_mut();
        }
        self.next.set(end);
        start as *mut u8
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ptr as usize + layout.size() == self.next.get() {
            self.next.set(ptr as usize);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let start = ptr as usize;
        if start + layout.size() == self.next.get() {
            // The last allocation: grow or shrink in place.
            let Some(end) = start.checked_add(new_size) else {
                return core::ptr::null_mut();
            };
            if !self.reserve(end) {
                return core::ptr::null_mut();
            }
            self.next.set(end);
            return ptr;
        }
        if new_size <= layout.size() {
            return ptr;
        }
        // SAFETY: the layout is valid (same alignment, larger size checked by the caller).
        let new =
            unsafe { self.alloc(Layout::from_size_align_unchecked(new_size, layout.align())) };
        if !new.is_null() {
            // SAFETY: both regions are valid for `layout.size()` bytes and do not overlap.
            unsafe { core::ptr::copy_nonoverlapping(ptr, new, layout.size()) };
        }
        new
    }
}
