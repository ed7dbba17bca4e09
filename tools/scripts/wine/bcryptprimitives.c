/*
 * A stand-in for Windows' bcryptprimitives.dll, for running the workspace's
 * Windows tests under Wine (tools/scripts/test-windows-wine.sh builds it into the
 * Wine prefix's system32; nothing else uses it).
 *
 * Why it exists: Rust's standard library (1.78 and later) gets its random
 * bytes (the HashMap seeds) from ProcessPrng, which bcryptprimitives.dll
 * exports on Windows 10 and later. Wine 8.0, the version Debian 12 ships,
 * has no such DLL, so every Rust .exe fails to start there (exit 53,
 * c0000135). This exports ProcessPrng and fills the buffer with
 * RtlGenRandom (advapi32's SystemFunction036), Wine's own random source.
 *
 * When it can go: once CI runs a Wine that ships bcryptprimitives.dll with
 * ProcessPrng (Wine 9.x has it); the script then skips building this.
 */
#include <windows.h>

/* advapi32's RtlGenRandom, declared here to need no other header. */
BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

/* As Windows documents it: fills `data` with `size` random bytes and
 * always returns TRUE. RtlGenRandom takes a 32-bit length, so larger
 * requests are filled in pieces. */
BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T size)
{
    while (size > 0) {
        ULONG piece = size > 0x40000000 ? 0x40000000 : (ULONG)size;
        if (!SystemFunction036(data, piece)) {
            /* Windows never fails here; a caller cannot recover either. */
            ExitProcess(0xC0000001u);
        }
        data += piece;
        size -= piece;
    }
    return TRUE;
}
