/*
 * A stand-in for Windows' bcryptprimitives.dll, for the checks under Wine only (never shipped).
 *
 * Rust's standard library seeds its hash maps with ProcessPrng from bcryptprimitives.dll, which
 * every Windows 10 and 11 has but Wine 8.0 (Debian 12) does not, so no Rust program starts there
 * without it. This one fills the buffer from RtlGenRandom (advapi32's SystemFunction036), as
 * Windows' own does from the system's random number generator.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
