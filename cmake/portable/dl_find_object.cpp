// _dl_find_object for the portable build (PXCLONE_PORTABLE, cmake/Portable.cmake), so the binary
// needs no glibc symbol newer than 2.34.
//
// Why: GCC 12's unwinder (libgcc_eh.a, linked statically by -static-libgcc) finds the unwind
// tables of the code an exception passes through with _dl_find_object(), a glibc 2.35 function
// (GLIBC_2.35), whenever the glibc it was built against has it (Debian 12's has 2.36). Amazon Linux
// 2023 has glibc 2.34, where the binary would not even start. There is no older version of the
// symbol to bind to with .symver, and the unwinder has no fallback when it fails (it returns "no
// unwind info", which would abort every throw), so the symbol must be provided, correctly.
//
// How: this definition, linked into the executable, satisfies libgcc_eh's reference before
// libc.so.6 is searched, so no versioned reference is recorded. It answers from dl_iterate_phdr()
// (GLIBC_2.2.5 on x86-64, 2.17 on arm64), which is exactly how libgcc found unwind tables before
// glibc 2.35: the loaded object whose PT_LOAD segments hold the address, and its PT_GNU_EH_FRAME
// segment (.eh_frame_hdr), which is what the unwinder reads from dlfo_eh_frame. dlfo_link_map is
// left null: libgcc does not read it. Hidden visibility keeps it out of the dynamic symbol table,
// so libcurl and its libraries, if they use _dl_find_object, still get glibc's own.
#include <algorithm>
#include <cstdint>
#include <dlfcn.h>
#include <link.h>

#if defined(DLFO_STRUCT_HAS_EH_DBASE)
#if DLFO_STRUCT_HAS_EH_DBASE
#error "the _dl_find_object shim supports targets without dlfo_eh_dbase only (x86-64, arm64)"
#endif

namespace {

struct Search {
    std::uintptr_t address;
    dl_find_object* result;
};

// dl_iterate_phdr's callback: 1 (stop) once the object holding the address is described.
int describe_if_holding(dl_phdr_info* info, std::size_t /*size*/, void* data) {
    auto& search = *static_cast<Search*>(data);
    bool holds = false;
    std::uintptr_t start = UINTPTR_MAX;
    std::uintptr_t end = 0;
    void* eh_frame = nullptr;
    for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& segment = info->dlpi_phdr[i];
        const std::uintptr_t begin = info->dlpi_addr + segment.p_vaddr;
        if (segment.p_type == PT_LOAD) {
            const std::uintptr_t finish = begin + segment.p_memsz;
            start = std::min(start, begin);
            end = std::max(end, finish);
            holds = holds || (search.address >= begin && search.address < finish);
        } else if (segment.p_type == PT_GNU_EH_FRAME) {
            eh_frame = reinterpret_cast<void*>(begin);
        }
    }
    if (!holds) {
        return 0;
    }
    *search.result = dl_find_object{};
    search.result->dlfo_map_start = reinterpret_cast<void*>(start);
    search.result->dlfo_map_end = reinterpret_cast<void*>(end);
    search.result->dlfo_eh_frame = eh_frame;
    return 1;
}

} // namespace

// glibc's contract: 0 and *result filled when an object holds address, else -1.
extern "C" __attribute__((visibility("hidden"))) int
_dl_find_object(void* address, dl_find_object* result) noexcept {
    Search search{reinterpret_cast<std::uintptr_t>(address), result};
    return dl_iterate_phdr(&describe_if_holding, &search) == 1 ? 0 : -1;
}

#endif
