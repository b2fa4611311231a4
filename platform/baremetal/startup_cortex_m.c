/* Start-up code for bnkit's Cortex-M firmware under QEMU (mps2-an386, mps2-an500,
 * mps3-an547), with newlib + rdimon semihosting.
 *
 * QEMU's M-profile reset takes SP and PC from the vector table at address 0 and ignores the
 * ELF entry point, so newlib's own crt0 (rdimon.specs' _start) never runs: this file is the
 * whole C runtime start-up. Order matters:
 *   1. enable the FPU (and MVE on Armv8.1-M: same CP10/CP11 bits) before any FP instruction;
 *   2. copy .data from its load address, zero .bss;
 *   3. initialise_monitor_handles(): semihosting stdin/stdout/stderr;
 *   4. __libc_init_array(): C++ static constructors (doctest registers its tests there);
 *   5. argc/argv from the semihosting command line (QEMU -append), then exit(main(...)):
 *      exit() flushes stdio and newlib turns it into SYS_EXIT, i.e. QEMU's exit status.
 * Any fault prints its name through semihosting and exits with status 1 instead of hanging. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

extern int main(int argc, char** argv);
extern void initialise_monitor_handles(void);
extern void __libc_init_array(void);

/* From the linker script (boards/cortex-m-sections.ld). */
extern uint32_t __StackTop;
extern uint32_t __data_load__, __data_start__, __data_end__;
extern uint32_t __bss_start__, __bss_end__;

void Reset_Handler(void);

/* ---- semihosting without newlib (usable from fault handlers) ---- */
#define SEMIHOST_SYS_WRITE0 0x04
#define SEMIHOST_SYS_GET_CMDLINE 0x15
#define SEMIHOST_SYS_EXIT 0x18
#define ADP_STOPPED_RUNTIME_ERROR 0x20023 /* QEMU exits with status 1 */

static uintptr_t semihost(uintptr_t op, const void* arg) {
    register uintptr_t r0 __asm__("r0") = op;
    register const void* r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static void fault(const char* what) {
    semihost(SEMIHOST_SYS_WRITE0, "bnkit firmware: ");
    semihost(SEMIHOST_SYS_WRITE0, what);
    semihost(SEMIHOST_SYS_WRITE0, "\n");
    semihost(SEMIHOST_SYS_EXIT, (const void*)ADP_STOPPED_RUNTIME_ERROR);
    for (;;) {
    }
}

void NMI_Handler(void) { fault("NMI"); }
void HardFault_Handler(void) { fault("HardFault"); }
void MemManage_Handler(void) { fault("MemManage fault"); }
void BusFault_Handler(void) { fault("BusFault"); }
void UsageFault_Handler(void) { fault("UsageFault (undefined instruction, FPU off, unaligned, divide by 0)"); }
void SecureFault_Handler(void) { fault("SecureFault"); }
void Default_Handler(void) { fault("unexpected interrupt"); }

/* Vector table: initial SP, reset, the 14 system exceptions, then external interrupts
 * (unused: none are enabled, a handful of entries for safety). Kept by the linker script. */
__attribute__((section(".vectors"), used)) static void (*const vector_table[32])(void) = {
    (void (*)(void))(&__StackTop),
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    SecureFault_Handler,
    0, 0, 0,
    Default_Handler, /* SVCall */
    Default_Handler, /* DebugMon */
    0,
    Default_Handler, /* PendSV */
    Default_Handler, /* SysTick */
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler, Default_Handler,
    Default_Handler, Default_Handler, Default_Handler, Default_Handler,
};

/* ---- argc/argv ----
 * SYS_GET_CMDLINE returns one string: QEMU joins the kernel file name and the -append text
 * (split at spaces, so quoting is lost). run-qemu-system.sh therefore percent-encodes every
 * argument (%20 for a space, %25 for '%', ...); here the line is split at spaces and each
 * word decoded. */
#define CMDLINE_BYTES 4096
#define MAX_ARGS 64
static char cmdline[CMDLINE_BYTES];
static char* argv_buf[MAX_ARGS + 1];

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int parse_command_line(void) {
    struct {
        char* buf;
        int len;
    } block = {cmdline, CMDLINE_BYTES - 1};
    if (semihost(SEMIHOST_SYS_GET_CMDLINE, &block) != 0 || block.len < 0) block.len = 0;
    cmdline[block.len] = '\0';
    int argc = 0;
    char* p = cmdline;
    while (*p && argc < MAX_ARGS) {
        while (*p == ' ') ++p;
        if (!*p) break;
        char* word = p;
        char* out = p;
        while (*p && *p != ' ') {
            int hi, lo;
            if (p[0] == '%' && (hi = hex_value(p[1])) >= 0 && (lo = hex_value(p[2])) >= 0) {
                *out++ = (char)(hi * 16 + lo);
                p += 3;
            } else {
                *out++ = *p++;
            }
        }
        if (*p) ++p;
        *out = '\0';
        argv_buf[argc++] = word;
    }
    if (argc == 0) argv_buf[argc++] = (char*)"firmware";
    argv_buf[argc] = NULL;
    return argc;
}

/* Runs with the FPU on. Not inlined into Reset_Handler, so no FP/MVE instruction the
 * compiler generates for these loops can be scheduled before the CPACR write. */
__attribute__((noinline, noreturn)) static void start_c_runtime(void) {
    const uint32_t* src = &__data_load__;
    for (uint32_t* dst = &__data_start__; dst < &__data_end__;) *dst++ = *src++;
    for (uint32_t* dst = &__bss_start__; dst < &__bss_end__;) *dst++ = 0;
    initialise_monitor_handles();
    __libc_init_array();
    const int argc = parse_command_line();
    exit(main(argc, argv_buf));
}

__attribute__((noreturn)) void Reset_Handler(void) {
#if defined(__ARM_FP) || defined(__ARM_FEATURE_MVE)
    /* CPACR: full access to CP10 and CP11 (FPU; also MVE on Armv8.1-M). */
    volatile uint32_t* const cpacr = (volatile uint32_t*)0xE000ED88u;
    *cpacr |= (0xFu << 20);
    __asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
    start_c_runtime();
}
