#pragma once

#include <cstddef>

namespace ddim {

/// Tensors of at least this many bytes get memory of their own from the kernel, backed by
/// transparent huge pages where the kernel offers them (see useHugePagesForLargeTensors).
inline constexpr std::size_t kLargeTensorBytes = std::size_t{32} << 20;

/// From now on LibTorch's CPU tensors of kLargeTensorBytes or more are mapped 2 MiB-aligned and
/// marked for transparent huge pages (madvise), and unmapped when freed; smaller ones keep
/// LibTorch's allocator. glibc maps such blocks itself (they exceed its largest mmap threshold)
/// with 4 KiB pages, and in a virtual machine first touching each page costs microseconds: at
/// 256x256 pixels a U-Net call allocates about 30 such activations and spent most of its time
/// in page faults. Returns false where there is nothing to do (not Linux, or the kernel's
/// transparent huge pages are off), leaving the allocator as it was. Idempotent; thread-safe.
bool useHugePagesForLargeTensors();

/// Whether the kernel offers transparent huge pages to memory that asks for them
/// (/sys/kernel/mm/transparent_hugepage/enabled is "always" or "madvise").
[[nodiscard]] bool transparentHugePagesAvailable();

}  // namespace ddim
