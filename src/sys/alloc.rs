//! glibc's allocator, told to hand freed memory back to the kernel (malloc(3), mallopt(3)):
//! the interactive `forklab watch` reads fd tables of 10,000 entries every few seconds, and
//! without this their freed pages would stay resident in forklab.

/// Return the heap's free pages to the kernel. Reading 10,000 fds builds and drops a few MiB
/// each time, on this thread, and the app drops the last sample's on its own: glibc keeps
/// freed memory in each thread's arena (malloc(3)), which would show as resident memory that
/// watching does not use.
pub fn give_back_memory() {
    #[cfg(target_env = "gnu")]
    // SAFETY: malloc_trim only walks the allocator's own free lists (malloc_trim(3)); it takes
    // the arena locks itself and touches no memory the program holds.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Make freed memory go back to the kernel when it is freed, not only at the next
/// [`give_back_memory`]: glibc raises its mmap threshold each time a large block is freed
/// (up to 32 MiB, mallopt(3)), after which the fd tables' large arrays live in the heap and
/// their pages stay resident; a fixed threshold keeps every block of 128 KiB or more in its own
/// mapping, unmapped on free, and lower trim and top-pad limits hand back heap tops sooner.
pub fn tune_allocator() {
    #[cfg(target_env = "gnu")]
    // SAFETY: mallopt only sets the allocator's tunables; it touches no memory the program holds.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 * 1024);
        libc::mallopt(libc::M_TOP_PAD, 64 * 1024);
    }
}
