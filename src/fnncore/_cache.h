/*
 * The CPU's cache sizes, read at run time, so that block sizes follow the
 * machine a kernel runs on instead of a constant tuned on one CPU.
 *
 * Design:
 * - fnn_l2_cache_bytes() is one core's level-2 data (or unified) cache:
 *   sysconf(_SC_LEVEL2_CACHE_SIZE) where glibc answers it, else Linux's
 *   /sys/devices/system/cpu/cpu0/cache/index<i>/{level,type,size}, else
 *   FNN_L2_FALLBACK, the smallest L2 of the x86-64 and Arm server cores of
 *   the last decade (so a block sized from it fits everywhere, only
 *   smaller than it could be).  The answer is read once and kept.
 * - Values outside [FNN_L2_MIN, FNN_L2_MAX] are not believed (some virtual
 *   machines report 0 or a whole socket's cache) and give the fallback.
 */
#ifndef FNN_CACHE_H
#define FNN_CACHE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

#define FNN_L2_FALLBACK (256L * 1024)
#define FNN_L2_MIN (64L * 1024)
#define FNN_L2_MAX (64L * 1024 * 1024)

static int fnn_cache_plausible(long bytes)
{
    return bytes >= FNN_L2_MIN && bytes <= FNN_L2_MAX;
}

/* The first line of a small text file, without its newline; 0 on failure. */
static int fnn_read_line(const char *path, char *buf, int size)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return 0;
    int ok = fgets(buf, size, f) != NULL;
    fclose(f);
    if (ok) buf[strcspn(buf, "\n")] = '\0';
    return ok;
}

/* Linux sysfs: "1024K", "2M" or a plain number of bytes; -1 if absent. */
static long fnn_l2_from_sysfs(void)
{
    char path[96], buf[64];
    for (int i = 0; i < 16; i++) {
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/level", i);
        if (!fnn_read_line(path, buf, sizeof buf)) break;
        if (strcmp(buf, "2") != 0) continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/type", i);
        if (fnn_read_line(path, buf, sizeof buf) && strcmp(buf, "Instruction") == 0)
            continue;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/size", i);
        if (!fnn_read_line(path, buf, sizeof buf)) continue;
        char *end;
        long value = strtol(buf, &end, 10);
        if (*end == 'K') value *= 1024;
        else if (*end == 'M') value *= 1024 * 1024;
        return value;
    }
    return -1;
}

static long fnn_l2_cache_bytes(void)
{
    static long cached = 0;
    long bytes = __atomic_load_n(&cached, __ATOMIC_RELAXED);
    if (bytes > 0) return bytes;
    bytes = -1;
#if defined(_SC_LEVEL2_CACHE_SIZE)
    bytes = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
    if (!fnn_cache_plausible(bytes)) bytes = fnn_l2_from_sysfs();
    if (!fnn_cache_plausible(bytes)) bytes = FNN_L2_FALLBACK;
    __atomic_store_n(&cached, bytes, __ATOMIC_RELAXED);
    return bytes;
}

#endif /* FNN_CACHE_H */
