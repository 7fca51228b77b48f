//! What the process asks of its allocator.

/// Large blocks go back to the system when freed. glibc serves a block of 128 KiB or more from a
/// mapping of its own, returned to the system on `free`, but each time such a block is freed it
/// raises that threshold to the block's size (up to 32 MiB), after which the tables of the
/// models (`Checker::release_models`) and the chunks of findings sit in the heap: freed, they
/// leave holes that allocations of other sizes, made on other threads' arenas, do not reuse.
/// At 92,000 objects that was 20 to 30 MB of freed memory still counted at the peak. Fixing
/// the threshold at its default keeps each large block a mapping of its own. Other C libraries
/// (musl for the static release binaries) already map large blocks apart.
pub fn configure() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` sets one parameter of the allocator and has no other effect; it is
    // called first thing in `main`, before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}
