/*
 * A PKCS#11 module for tests that behaves like a vendor's module where the
 * vendor's differs from the standard, over SoftHSM2 (issue 13, Tests). It
 * loads SoftHSM2, takes its CK_FUNCTION_LIST and replaces only the entries
 * whose behaviour differs; everything else (keys, signatures, objects) is
 * SoftHSM2's. Built by the tests (index.ts), one build per family:
 *
 *   -DEMULATION_YKCS11   YubiKey PIV through Yubico's ykcs11
 *   -DEMULATION_YUBIHSM  YubiHSM 2 through Yubico's yubihsm_pkcs11
 *   -DEMULATION_PINPAD   a reader with a PIN pad (protected authentication path)
 *   -DEMULATION_CRASH    a module whose C_Initialize crashes the process
 *
 * Upstream references are to the vendors' public sources at the commits the
 * tests were written against (read, not copied):
 *   [piv]  github.com/Yubico/yubico-piv-tool @ 7851acf83dbd1afe42273db863a7d2f3a08faa5f
 *   [hsm]  github.com/Yubico/yubihsm-shell   @ 428bfdd1dae28b64508bc9d38abb71a232d58fd2
 *
 * Environment (all optional):
 *   PKCS11_EMULATION_SOFTHSM       SoftHSM2's library (default /usr/lib/softhsm/libsofthsm2.so);
 *                                  its tokens come from SOFTHSM2_CONF as usual
 *   PKCS11_EMULATION_TRACE         a file to append one line per emulated call to (never a PIN)
 *   PKCS11_EMULATION_STATE_DIR     where the YubiKey's PIN retry counter lives between processes
 *   ykcs11:
 *   PKCS11_EMULATION_NO_PCSCD=1    pcscd is not running (also when PCSCLITE_CSOCK_NAME names a missing file)
 *   PKCS11_EMULATION_FIRMWARE      the YubiKey's firmware, default 5.7.1
 *   PKCS11_EMULATION_DEVICE_PIN    the SoftHSM2 user PIN, which the emulated device uses for itself when
 *                                  the management key is given (SO login): SoftHSM2 makes private keys only as user
 *   PKCS11_EMULATION_MANAGEMENT_KEY  hex, default 010203040506070801020304050607080102030405060708
 *   PKCS11_EMULATION_TOUCH_SECONDS a signature waits this long for a touch
 *   PKCS11_EMULATION_TOUCH_FILE    a signature waits until this file exists (the touch), at most
 *   PKCS11_EMULATION_TOUCH_TIMEOUT seconds (default 15, the YubiKey's), then fails as a missed touch
 *   PKCS11_EMULATION_TOUCH=missed  the touch never comes: the wait ends as a missed touch
 *   PKCS11_EMULATION_REMOVE_FILE   the YubiKey is pulled out while it waits for a touch once this file exists
 *   yubihsm:
 *   PKCS11_EMULATION_AUTH_KEY_ID   the authentication key id that exists (4 hex digits, default 0001)
 *   PKCS11_EMULATION_DEVICE_SESSIONS_IN_USE  device sessions other applications hold (the device has 16)
 *   pinpad:
 *   PKCS11_EMULATION_PINPAD_PIN    what the person types on the pad
 *   PKCS11_EMULATION_PINPAD_FILE   or: the pad waits until this file exists and reads the PIN from it
 *   crash:
 *   PKCS11_EMULATION_CRASH=abort   abort() instead of SIGSEGV
 *   PKCS11_EMULATION_CRASH_LOG     a file to append a line to before crashing (to count starts)
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "pkcs11.h"

/* PKCS#11 v3.0 values the v2.40 header lacks. */
#define EMU_CKK_EC_EDWARDS 0x40UL
#define EMU_CKM_EC_EDWARDS_KEY_PAIR_GEN 0x1055UL

#if defined(EMULATION_YKCS11)
#define MANUFACTURER "Yubico (www.yubico.com)" /* [piv] ykcs11/ykcs11.c:48 */
#define DESCRIPTION "PKCS#11 PIV Library (SP-800-73)" /* [piv] ykcs11/ykcs11.c:49 */
/* yubico-piv-tool 2.7.2 ([piv] CMakeLists.txt:41-43), minor = minor * 10 + patch ([piv] ykcs11/ykcs11.c:282-283) */
#define LIBRARY_VERSION {2, 72}
#define MAX_SESSIONS 16 /* [piv] ykcs11/ykcs11.c:52: a fixed table of 16, for all slots together */
#elif defined(EMULATION_YUBIHSM)
#define MANUFACTURER "Yubico (www.yubico.com)" /* [hsm] pkcs11/yubihsm_pkcs11.c:47 */
#define DESCRIPTION "YubiHSM PKCS#11 Library" /* [hsm] pkcs11/yubihsm_pkcs11.c:48 */
#define LIBRARY_VERSION {2, 80} /* yubihsm-shell 2.8.0 ([hsm] CMakeLists.txt:131-133), [hsm] pkcs11/yubihsm_pkcs11.c:466-467 */
/* PKCS#11 sessions are a list that grows ([hsm] pkcs11/util_pkcs11.c:1056-1081, create_session):
 * no limit of the module's own. The 16 is the device's (YH_MAX_SESSIONS, [hsm] lib/yubihsm.h:108),
 * for authenticated sessions of every application together; see emulated_login. */
#define MAX_SESSIONS 256
#elif defined(EMULATION_PINPAD)
#define MANUFACTURER "Conclave tests"
#define DESCRIPTION "PIN pad reader (emulated)"
#define LIBRARY_VERSION {1, 0}
#define MAX_SESSIONS 256
#elif defined(EMULATION_CRASH)
#define MANUFACTURER "Conclave tests"
#define DESCRIPTION "Crashing module (emulated)"
#define LIBRARY_VERSION {1, 0}
#define MAX_SESSIONS 256
#else
#error "Build with one of -DEMULATION_YKCS11, -DEMULATION_YUBIHSM, -DEMULATION_PINPAD, -DEMULATION_CRASH"
#endif

#define MAX_SLOTS 16
/* Helpers some builds do not use. */
#define SHARED __attribute__((unused))

static CK_FUNCTION_LIST_PTR soft; /* SoftHSM2's own entries */
static CK_FUNCTION_LIST emulated; /* SoftHSM2's, with ours where they differ */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

enum login_state { PUBLIC, USER, SO };

/* One slot as the vendor's module numbers it, and the SoftHSM2 slot behind it. */
struct slot {
  CK_SLOT_ID real;
  char serial[17];
  char real_serial[17];
  int present;
  enum login_state login;
};
static struct slot slots[MAX_SLOTS];
static CK_ULONG slot_count;

struct session {
  CK_SESSION_HANDLE handle;
  int used;
  CK_ULONG slot;
  CK_FLAGS flags;
  int signing;
  int find_nothing;
};
static struct session sessions[MAX_SESSIONS];

/* ---------- small helpers ---------- */

static const char *env(const char *name) {
  const char *value = getenv(name);
  return value && *value ? value : NULL;
}

static void trace(const char *format, ...) {
  const char *path = env("PKCS11_EMULATION_TRACE");
  if (!path) return;
  FILE *file = fopen(path, "a");
  if (!file) return;
  va_list args;
  va_start(args, format);
  vfprintf(file, format, args);
  va_end(args);
  fputc('\n', file);
  fclose(file);
}

/* Space-padded, not NUL-terminated, as every CK_*_INFO text field (PKCS#11 v2.40 §3.2). */
static void padded(CK_UTF8CHAR *field, size_t size, const char *text) {
  size_t length = strlen(text);
  memset(field, ' ', size);
  memcpy(field, text, length < size ? length : size);
}

static void unpadded(char *out, size_t out_size, const CK_UTF8CHAR *field, size_t size) {
  size_t length = size;
  while (length > 0 && (field[length - 1] == ' ' || field[length - 1] == '\0')) length--;
  if (length >= out_size) length = out_size - 1;
  memcpy(out, field, length);
  out[length] = '\0';
}

SHARED static void sleep_ms(long ms) {
  struct timespec wait = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&wait, &wait) == -1 && errno == EINTR) {
  }
}

static struct session *session_of(CK_SESSION_HANDLE handle) {
  for (int i = 0; i < MAX_SESSIONS; i++)
    if (sessions[i].used && sessions[i].handle == handle) return &sessions[i];
  return NULL;
}

static int open_sessions(void) {
  int count = 0;
  for (int i = 0; i < MAX_SESSIONS; i++) count += sessions[i].used;
  return count;
}

/* ---------- slots: the vendor's numbering over SoftHSM2's ---------- */

/*
 * Both vendors number their slots 0, 1, … and show only devices, never
 * SoftHSM2's free slot for a new token. SoftHSM2 tokens are matched by their
 * own serial, which stays when SoftHSM2 renumbers its slots.
 */
SHARED static CK_RV scan_slots(void) {
  CK_SLOT_ID ids[MAX_SLOTS * 2];
  CK_ULONG count = MAX_SLOTS * 2;
  CK_RV rv = soft->C_GetSlotList(CK_TRUE, ids, &count);
  if (rv != CKR_OK) return rv;
  for (CK_ULONG i = 0; i < slot_count; i++) slots[i].present = 0;
  for (CK_ULONG i = 0; i < count; i++) {
    CK_TOKEN_INFO info;
    if (soft->C_GetTokenInfo(ids[i], &info) != CKR_OK || !(info.flags & CKF_TOKEN_INITIALIZED)) continue;
    char real_serial[17], label[33];
    unpadded(real_serial, sizeof real_serial, info.serialNumber, sizeof info.serialNumber);
    unpadded(label, sizeof label, info.label, sizeof info.label);
    CK_ULONG at = slot_count;
    for (CK_ULONG j = 0; j < slot_count; j++)
      if (strcmp(slots[j].real_serial, real_serial) == 0) at = j;
    if (at == slot_count) {
      if (slot_count == MAX_SLOTS) continue;
      slot_count++;
      memset(&slots[at], 0, sizeof slots[at]);
      strcpy(slots[at].real_serial, real_serial);
      /* The device's serial is the SoftHSM2 token's label when that is a number (the set-up makes it so). */
      int digits = label[0] != '\0' && strspn(label, "0123456789") == strlen(label) && strlen(label) <= 10;
      snprintf(slots[at].serial, sizeof slots[at].serial, "%.16s", digits ? label : real_serial);
    }
    slots[at].real = ids[i];
    slots[at].present = 1;
  }
  return CKR_OK;
}

/* The SoftHSM2 slot behind an emulated slot id, or the vendor's error for it. */
static CK_RV real_slot(CK_SLOT_ID id, CK_SLOT_ID *real) {
#if defined(EMULATION_YKCS11) || defined(EMULATION_YUBIHSM)
  pthread_mutex_lock(&lock);
  CK_RV rv = CKR_OK;
  /* Before any C_GetSlotList ykcs11 knows no slot: [piv] ykcs11/ykcs11.c:571-576 (n_slots is 0). */
  if (id >= slot_count) rv = CKR_SLOT_ID_INVALID;
  /* [piv] ykcs11/ykcs11.c:578-583, [hsm] pkcs11/yubihsm_pkcs11.c:675-679 */
  else if (!slots[id].present) rv = CKR_TOKEN_NOT_PRESENT;
  else *real = slots[id].real;
  pthread_mutex_unlock(&lock);
  return rv;
#else
  *real = id;
  return CKR_OK;
#endif
}

static CK_ULONG emulated_slot_of_real(CK_SLOT_ID real) {
#if defined(EMULATION_YKCS11) || defined(EMULATION_YUBIHSM)
  for (CK_ULONG i = 0; i < slot_count; i++)
    if (slots[i].present && slots[i].real == real) return i;
  return (CK_ULONG)-1;
#else
  return real;
#endif
}

/* ---------- the YubiKey's PIN retry counter ---------- */

#if defined(EMULATION_YKCS11)
/* A YubiKey allows 3 wrong PINs by default (ykman piv access change-retries); the counter
 * lives on the device, so across processes here it lives in a file. */
static int pin_tries_left(const struct slot *slot) {
  const char *dir = env("PKCS11_EMULATION_STATE_DIR");
  if (!dir) return 3;
  char path[4096];
  snprintf(path, sizeof path, "%s/ykcs11-%s.pin-tries", dir, slot->serial);
  FILE *file = fopen(path, "r");
  if (!file) return 3;
  int tries = 3;
  if (fscanf(file, "%d", &tries) != 1) tries = 3;
  fclose(file);
  return tries;
}

static void set_pin_tries_left(const struct slot *slot, int tries) {
  const char *dir = env("PKCS11_EMULATION_STATE_DIR");
  if (!dir) return;
  char path[4096];
  snprintf(path, sizeof path, "%s/ykcs11-%s.pin-tries", dir, slot->serial);
  FILE *file = fopen(path, "w");
  if (!file) return;
  fprintf(file, "%d\n", tries);
  fclose(file);
}

/* pcsc-lite finds its daemon by its socket (PCSCLITE_CSOCK_NAME moves it); without one,
 * SCardEstablishContext fails and ykpiv_list_readers with it ([piv] lib/ykpiv.c:1047-1052). */
static int pcscd_running(void) {
  if (env("PKCS11_EMULATION_NO_PCSCD")) return 0;
  const char *socket = env("PCSCLITE_CSOCK_NAME");
  return socket == NULL || access(socket, F_OK) == 0;
}
#endif

/* ---------- general-purpose functions ---------- */

static CK_RV emu_C_Initialize(CK_VOID_PTR args) {
#if defined(EMULATION_CRASH)
  (void)args;
  const char *log = env("PKCS11_EMULATION_CRASH_LOG");
  if (log) {
    FILE *file = fopen(log, "a");
    if (file) {
      fprintf(file, "C_Initialize %ld\n", (long)getpid());
      fclose(file);
    }
  }
  /* What a vendor module with a bug at load does to the process that loaded it; without a core file,
   * which would land in whatever folder the test runs in. */
  struct rlimit no_core = {0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  if (env("PKCS11_EMULATION_CRASH") && strcmp(getenv("PKCS11_EMULATION_CRASH"), "abort") == 0) abort();
  raise(SIGSEGV);
  return CKR_GENERAL_ERROR;
#else
#if defined(EMULATION_YKCS11)
  /* ykcs11 takes no library parameters: [piv] ykcs11/ykcs11.c:141-147 */
  if (args && ((CK_C_INITIALIZE_ARGS_PTR)args)->pReserved) return CKR_ARGUMENTS_BAD;
#endif
  CK_RV rv = soft->C_Initialize(args);
  if (rv != CKR_OK) return rv;
  pthread_mutex_lock(&lock);
  memset(slots, 0, sizeof slots);
  memset(sessions, 0, sizeof sessions);
  slot_count = 0;
#if defined(EMULATION_YUBIHSM)
  /* yubihsm_pkcs11 knows its connectors (slots) from its configuration, from C_Initialize on. */
  scan_slots();
#endif
  pthread_mutex_unlock(&lock);
  return CKR_OK;
#endif
}

static CK_RV emu_C_Finalize(CK_VOID_PTR reserved) {
  CK_RV rv = soft->C_Finalize(reserved);
  pthread_mutex_lock(&lock);
  slot_count = 0;
  memset(sessions, 0, sizeof sessions);
  pthread_mutex_unlock(&lock);
  return rv;
}

static CK_RV emu_C_GetInfo(CK_INFO_PTR info) {
  CK_RV rv = soft->C_GetInfo(info);
  if (rv != CKR_OK) return rv;
  CK_VERSION version = LIBRARY_VERSION;
  info->cryptokiVersion.major = 2;
  info->cryptokiVersion.minor = 40;
  info->libraryVersion = version;
  info->flags = 0;
  padded(info->manufacturerID, sizeof info->manufacturerID, MANUFACTURER);
  padded(info->libraryDescription, sizeof info->libraryDescription, DESCRIPTION);
  return CKR_OK;
}

/* ---------- slot and token management ---------- */

static CK_RV emu_C_GetSlotList(CK_BBOOL present, CK_SLOT_ID_PTR list, CK_ULONG_PTR count) {
  if (!count) return CKR_ARGUMENTS_BAD;
#if defined(EMULATION_YKCS11)
  /* No pcscd: ykpiv_list_readers fails and ykcs11 answers CKR_DEVICE_ERROR
   * ([piv] ykcs11/ykcs11.c:369-374), every time, until pcscd runs. With pcscd and no
   * reader, the list is empty and CKR_OK ([piv] lib/ykpiv.c:1055-1063). */
  if (!pcscd_running()) {
    trace("C_GetSlotList -> CKR_DEVICE_ERROR (no pcscd)");
    return CKR_DEVICE_ERROR;
  }
#endif
#if defined(EMULATION_YKCS11) || defined(EMULATION_YUBIHSM)
  pthread_mutex_lock(&lock);
  CK_RV rv = scan_slots();
  CK_ULONG found = 0;
  for (CK_ULONG i = 0; rv == CKR_OK && i < slot_count; i++) {
    if (present && !slots[i].present) continue;
    if (list && found >= *count) rv = CKR_BUFFER_TOO_SMALL;
    else if (list) list[found] = i;
    found++;
  }
  if (rv == CKR_OK || rv == CKR_BUFFER_TOO_SMALL) *count = found;
  pthread_mutex_unlock(&lock);
  return rv;
#else
  return soft->C_GetSlotList(present, list, count);
#endif
}

static CK_RV emu_C_GetSlotInfo(CK_SLOT_ID id, CK_SLOT_INFO_PTR info) {
  CK_SLOT_ID real;
  CK_RV rv = real_slot(id, &real);
  if (rv != CKR_OK) return rv;
  if ((rv = soft->C_GetSlotInfo(real, info)) != CKR_OK) return rv;
#if defined(EMULATION_YKCS11)
  /* The PC/SC reader's name, ykcs11's manufacturer, a removable hardware slot, versions 1.0:
   * [piv] ykcs11/ykcs11.c:391-399 */
  padded(info->slotDescription, sizeof info->slotDescription, "Yubico YubiKey OTP+FIDO+CCID 00 00");
  padded(info->manufacturerID, sizeof info->manufacturerID, MANUFACTURER);
  info->flags = CKF_HW_SLOT | CKF_REMOVABLE_DEVICE | CKF_TOKEN_PRESENT;
  info->hardwareVersion.major = info->firmwareVersion.major = 1;
  info->hardwareVersion.minor = info->firmwareVersion.minor = 0;
#elif defined(EMULATION_YUBIHSM)
  /* "YubiHSM Connector <url>", "Yubico", removable hardware slot: [hsm] pkcs11/yubihsm_pkcs11.c:615-636 */
  padded(info->slotDescription, sizeof info->slotDescription, "YubiHSM Connector http://127.0.0.1:12345");
  padded(info->manufacturerID, sizeof info->manufacturerID, "Yubico");
  info->flags = CKF_HW_SLOT | CKF_REMOVABLE_DEVICE | CKF_TOKEN_PRESENT;
  info->hardwareVersion.major = info->firmwareVersion.major = 2;
  info->hardwareVersion.minor = info->firmwareVersion.minor = 40;
#endif
  return CKR_OK;
}

static CK_RV emu_C_GetTokenInfo(CK_SLOT_ID id, CK_TOKEN_INFO_PTR info) {
  CK_SLOT_ID real;
  CK_RV rv = real_slot(id, &real);
  if (rv != CKR_OK) return rv;
  if ((rv = soft->C_GetTokenInfo(real, info)) != CKR_OK) return rv;
#if defined(EMULATION_YKCS11)
  struct slot *slot = &slots[id];
  char text[64];
  /* Label "YubiKey PIV #<serial>", serial in decimal: [piv] ykcs11/token.c:165-203 */
  snprintf(text, sizeof text, "YubiKey PIV #%s", slot->serial);
  padded(info->label, sizeof info->label, text);
  padded(info->serialNumber, sizeof info->serialNumber, slot->serial);
  padded(info->manufacturerID, sizeof info->manufacturerID, MANUFACTURER);
  /* "YubiKey XXX" with the last three letters the device model, YK5 for a YubiKey 5:
   * [piv] ykcs11/token.c:46, 121-143 */
  padded(info->model, sizeof info->model, "YubiKey YK5");
  /* Flags, PIN lengths (6 to the management key's 64), 16 sessions: [piv] ykcs11/ykcs11.c:442-456 */
  info->flags = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
  info->ulMinPinLen = 6;
  info->ulMaxPinLen = 64;
  info->ulMaxSessionCount = info->ulMaxRwSessionCount = MAX_SESSIONS;
  info->ulTotalPublicMemory = info->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
  info->ulTotalPrivateMemory = info->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
  info->hardwareVersion.major = 1;
  info->hardwareVersion.minor = 0;
  /* Firmware x.y.z as {x, y * 10 + z}: [piv] ykcs11/token.c:145-163 */
  int major = 5, minor = 7, patch = 1;
  if (env("PKCS11_EMULATION_FIRMWARE")) sscanf(getenv("PKCS11_EMULATION_FIRMWARE"), "%d.%d.%d", &major, &minor, &patch);
  info->firmwareVersion.major = (CK_BYTE)major;
  info->firmwareVersion.minor = (CK_BYTE)(minor * 10 + patch);
  memset(info->utcTime, ' ', sizeof info->utcTime);
  /* Tries left as flags: [piv] ykcs11/ykcs11.c:587-602 */
  switch (pin_tries_left(slot)) {
    case 0: info->flags |= CKF_USER_PIN_LOCKED; break;
    case 1: info->flags |= CKF_USER_PIN_FINAL_TRY; break;
    case 2: info->flags |= CKF_USER_PIN_COUNT_LOW; break;
    default: break;
  }
  /* Sessions counted over the whole module: [piv] ykcs11/ykcs11.c:604-613 */
  info->ulSessionCount = info->ulRwSessionCount = 0;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < MAX_SESSIONS; i++) {
    if (!sessions[i].used) continue;
    if (sessions[i].flags & CKF_RW_SESSION) info->ulRwSessionCount++;
    else info->ulSessionCount++;
  }
  pthread_mutex_unlock(&lock);
#elif defined(EMULATION_YUBIHSM)
  char text[32];
  /* Every YubiHSM is labelled "YubiHSM", model "YubiHSM", serial "%08u"; sessions
   * "effectively infinite"; PIN (the password part) 8 to 64: [hsm] pkcs11/yubihsm_pkcs11.c:680-735 */
  padded(info->label, sizeof info->label, "YubiHSM");
  padded(info->manufacturerID, sizeof info->manufacturerID, MANUFACTURER);
  padded(info->model, sizeof info->model, "YubiHSM");
  snprintf(text, sizeof text, "%08lu", strtoul(slots[id].serial, NULL, 10));
  padded(info->serialNumber, sizeof info->serialNumber, text);
  info->flags = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_USER_PIN_INITIALIZED | CKF_TOKEN_INITIALIZED;
  info->ulMaxSessionCount = info->ulMaxRwSessionCount = CK_EFFECTIVELY_INFINITE;
  info->ulSessionCount = info->ulRwSessionCount = CK_UNAVAILABLE_INFORMATION;
  info->ulMinPinLen = 8;
  info->ulMaxPinLen = 64;
  info->hardwareVersion.major = info->firmwareVersion.major = 2;
  info->hardwareVersion.minor = info->firmwareVersion.minor = 40;
  memset(info->utcTime, ' ', sizeof info->utcTime);
#elif defined(EMULATION_PINPAD)
  /* PKCS#11 v2.40 §5.5 (C_Login): the PIN is entered on the reader, pPin is NULL. */
  info->flags |= CKF_PROTECTED_AUTHENTICATION_PATH;
#endif
  return CKR_OK;
}

static CK_RV emu_C_WaitForSlotEvent(CK_FLAGS flags, CK_SLOT_ID_PTR slot, CK_VOID_PTR reserved) {
  (void)flags;
  (void)slot;
  (void)reserved;
  /* Neither vendor implements it: [piv] ykcs11/ykcs11.c:623-633, [hsm] pkcs11/yubihsm_pkcs11.c:746-757 */
  return CKR_FUNCTION_NOT_SUPPORTED;
}

static CK_RV emu_C_GetMechanismList(CK_SLOT_ID id, CK_MECHANISM_TYPE_PTR list, CK_ULONG_PTR count) {
  CK_SLOT_ID real;
  CK_RV rv = real_slot(id, &real);
  return rv != CKR_OK ? rv : soft->C_GetMechanismList(real, list, count);
}

static CK_RV emu_C_GetMechanismInfo(CK_SLOT_ID id, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR info) {
  CK_SLOT_ID real;
  CK_RV rv = real_slot(id, &real);
  return rv != CKR_OK ? rv : soft->C_GetMechanismInfo(real, type, info);
}

static CK_RV emu_C_InitToken(CK_SLOT_ID id, CK_UTF8CHAR_PTR pin, CK_ULONG length, CK_UTF8CHAR_PTR label) {
#if defined(EMULATION_YKCS11) || defined(EMULATION_YUBIHSM)
  (void)id;
  (void)pin;
  (void)length;
  (void)label;
  /* Devices are reset with their own tools (ykman piv reset, yubihsm-shell reset). */
  return CKR_FUNCTION_NOT_SUPPORTED;
#else
  return soft->C_InitToken(id, pin, length, label);
#endif
}

/* ---------- sessions ---------- */

static CK_RV emu_C_OpenSession(CK_SLOT_ID id, CK_FLAGS flags, CK_VOID_PTR application, CK_NOTIFY notify, CK_SESSION_HANDLE_PTR handle) {
  CK_SLOT_ID real;
  CK_RV rv = real_slot(id, &real);
  if (rv != CKR_OK) return rv;
  pthread_mutex_lock(&lock);
  int free_entry = -1;
  for (int i = 0; i < MAX_SESSIONS && free_entry < 0; i++)
    if (!sessions[i].used) free_entry = i;
  if (free_entry < 0) {
    pthread_mutex_unlock(&lock);
    /* ykcs11: 16 sessions at most, over all slots ([piv] ykcs11/ykcs11.c:965-971). */
    trace("C_OpenSession -> CKR_SESSION_COUNT (%d open)", open_sessions());
    return CKR_SESSION_COUNT;
  }
  sessions[free_entry].used = 1; /* reserved while SoftHSM2 opens it */
  pthread_mutex_unlock(&lock);
  rv = soft->C_OpenSession(real, flags, application, notify, handle);
  pthread_mutex_lock(&lock);
  if (rv == CKR_OK) {
    sessions[free_entry] = (struct session){.handle = *handle, .used = 1, .slot = id, .flags = flags};
  } else {
    sessions[free_entry].used = 0;
  }
  int open = open_sessions();
  pthread_mutex_unlock(&lock);
  trace("C_OpenSession -> 0x%lx (%d open)", rv, open);
  return rv;
}

/* When the last session of a slot closes, its login ends (PKCS#11 v2.40 §5.6). */
static void forget_session(CK_SESSION_HANDLE handle) {
  pthread_mutex_lock(&lock);
  struct session *session = session_of(handle);
  if (session) {
    CK_ULONG slot = session->slot;
    session->used = 0;
    int others = 0;
    for (int i = 0; i < MAX_SESSIONS; i++) others += sessions[i].used && sessions[i].slot == slot;
    if (!others && slot < MAX_SLOTS) slots[slot].login = PUBLIC;
  }
  pthread_mutex_unlock(&lock);
}

static CK_RV emu_C_CloseSession(CK_SESSION_HANDLE handle) {
  CK_RV rv = soft->C_CloseSession(handle);
  if (rv == CKR_OK) forget_session(handle);
  return rv;
}

static CK_RV emu_C_CloseAllSessions(CK_SLOT_ID id) {
  CK_SLOT_ID real;
  CK_RV rv = real_slot(id, &real);
  if (rv != CKR_OK) return rv;
  if ((rv = soft->C_CloseAllSessions(real)) != CKR_OK) return rv;
  pthread_mutex_lock(&lock);
  for (int i = 0; i < MAX_SESSIONS; i++)
    if (sessions[i].used && sessions[i].slot == id) sessions[i].used = 0;
  if (id < MAX_SLOTS) slots[id].login = PUBLIC;
  pthread_mutex_unlock(&lock);
  return CKR_OK;
}

static CK_RV emu_C_GetSessionInfo(CK_SESSION_HANDLE handle, CK_SESSION_INFO_PTR info) {
  CK_RV rv = soft->C_GetSessionInfo(handle, info);
  if (rv == CKR_OK) info->slotID = emulated_slot_of_real(info->slotID);
  return rv;
}

/* ---------- login ---------- */

SHARED static struct slot *slot_of_session(CK_SESSION_HANDLE handle, struct session **out) {
  struct session *session = session_of(handle);
  if (out) *out = session;
#if defined(EMULATION_YKCS11) || defined(EMULATION_YUBIHSM)
  return session && session->slot < slot_count ? &slots[session->slot] : NULL;
#else
  return NULL;
#endif
}

#if defined(EMULATION_YKCS11)
static int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The management key as bytes; -1 when the text is not hex ([piv] lib/ykpiv.c:1696-1720). */
static int decode_hex(const CK_UTF8CHAR *text, CK_ULONG length, unsigned char *out, size_t out_size) {
  if (length % 2 || length / 2 > out_size) return -1;
  for (CK_ULONG i = 0; i < length; i += 2) {
    int high = hex_value((char)text[i]), low = hex_value((char)text[i + 1]);
    if (high < 0 || low < 0) return -1;
    out[i / 2] = (unsigned char)(high * 16 + low);
  }
  return (int)(length / 2);
}

/* The user PIN, checked by SoftHSM2, with the YubiKey's retry counter around it. */
static CK_RV verify_pin(CK_SESSION_HANDLE handle, struct slot *slot, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG length) {
  if (pin_tries_left(slot) == 0) return CKR_PIN_LOCKED; /* SW 0x6983 → YKPIV_PIN_LOCKED → CKR_PIN_LOCKED ([piv] ykcs11/utils.c:187-188) */
  CK_RV rv = soft->C_Login(handle, type, pin, length);
  if (rv == CKR_PIN_INCORRECT) {
    int left = pin_tries_left(slot) - 1;
    set_pin_tries_left(slot, left < 0 ? 0 : left);
    if (left <= 0) rv = CKR_PIN_LOCKED;
  } else if (rv == CKR_OK || rv == CKR_USER_ALREADY_LOGGED_IN) {
    set_pin_tries_left(slot, 3);
  }
  return rv;
}

/*
 * ykcs11's C_Login ([piv] ykcs11/ykcs11.c:1256-1377 with token_login, [piv] ykcs11/token.c:305-376):
 * - the user PIN has 6 to 8 characters; any other length is CKR_ARGUMENTS_BAD (token.c:318, 332-335);
 * - CKU_SO takes the management key as 32 to 64 hex digits and is refused while a read-only
 *   session is open (ykcs11.c:1343-1351); a wrong key is CKR_PIN_INCORRECT (token.c:362-367);
 *   a PIN (6 to 8) as SO means a PIN-protected management key, which a YubiKey as it comes does
 *   not have: CKR_USER_PIN_NOT_INITIALIZED (token.c:348-359);
 * - CKU_CONTEXT_SPECIFIC only while a signature (or decryption) is under way, else
 *   CKR_USER_TYPE_INVALID (ykcs11.c:1289-1295); the card wants VERIFY right before each
 *   GENERAL AUTHENTICATE of a key with PIN policy "always" (slot 9c by default, objects.c:240-243,
 *   776-790), which SoftHSM2 enforces for CKA_ALWAYS_AUTHENTICATE keys in the same way;
 * - a second CKU_USER login is CKR_USER_ALREADY_LOGGED_IN, user after SO (or SO after user)
 *   CKR_USER_ANOTHER_ALREADY_LOGGED_IN (ykcs11.c:1299-1313, 1332-1342).
 */
static CK_RV emulated_login(CK_SESSION_HANDLE handle, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG length) {
  if (type != CKU_SO && type != CKU_USER && type != CKU_CONTEXT_SPECIFIC) return CKR_USER_TYPE_INVALID;
  pthread_mutex_lock(&lock);
  struct session *session;
  struct slot *slot = slot_of_session(handle, &session);
  enum login_state state = slot ? slot->login : PUBLIC;
  int signing = session ? session->signing : 0;
  int read_only = 0;
  for (int i = 0; slot && i < MAX_SESSIONS; i++)
    if (sessions[i].used && &slots[sessions[i].slot] == slot && !(sessions[i].flags & CKF_RW_SESSION)) read_only = 1;
  pthread_mutex_unlock(&lock);
  if (!slot) return CKR_SESSION_HANDLE_INVALID;
  if (!pcscd_running()) return CKR_DEVICE_REMOVED; /* YKPIV_PCSC_SERVICE_ERROR → CKR_DEVICE_REMOVED (utils.c:195-196) */
  /* A NULL or empty PIN asks a YubiKey Bio for a fingerprint (token.c:310-314). A YubiKey 5 has no
   * sensor; what its card answers is not in these sources: CKR_FUNCTION_NOT_SUPPORTED here. */
  if (pin == NULL || length == 0) return CKR_FUNCTION_NOT_SUPPORTED;
  CK_RV rv;
  if (type == CKU_CONTEXT_SPECIFIC) {
    if (!signing) return CKR_USER_TYPE_INVALID;
    if (length < 6 || length > 8) return CKR_ARGUMENTS_BAD;
    rv = verify_pin(handle, slot, CKU_CONTEXT_SPECIFIC, pin, length);
    /* SoftHSM2 re-authenticates only keys with CKA_ALWAYS_AUTHENTICATE; ykcs11 allows the login for
     * any key (ykcs11.c:1299). The PIN of such a login is not checked here. */
    if (rv == CKR_OPERATION_NOT_INITIALIZED) rv = CKR_OK;
  } else if (type == CKU_USER) {
    if (state == USER) return CKR_USER_ALREADY_LOGGED_IN;
    if (state == SO) return CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
    if (length < 6 || length > 8) return CKR_ARGUMENTS_BAD;
    rv = verify_pin(handle, slot, CKU_USER, pin, length);
    if (rv == CKR_OK) {
      pthread_mutex_lock(&lock);
      slot->login = USER;
      pthread_mutex_unlock(&lock);
    }
  } else {
    if (state == USER) return CKR_USER_ANOTHER_ALREADY_LOGGED_IN;
    if (state == SO) return CKR_USER_ALREADY_LOGGED_IN;
    if (read_only) return CKR_SESSION_READ_ONLY_EXISTS;
    if (length >= 6 && length <= 8) {
      rv = verify_pin(handle, slot, CKU_USER, pin, length);
      if (rv != CKR_OK) return rv;
      soft->C_Logout(handle);
      return CKR_USER_PIN_NOT_INITIALIZED;
    }
    if (length < 32 || length > 64) return CKR_ARGUMENTS_BAD;
    unsigned char given[32], expected[32];
    int given_length = decode_hex(pin, length, given, sizeof given);
    if (given_length < 0) return CKR_ARGUMENTS_BAD; /* YKPIV_PARSE_ERROR → CKR_ARGUMENTS_BAD (utils.c:179-180) */
    const char *key = env("PKCS11_EMULATION_MANAGEMENT_KEY") ? getenv("PKCS11_EMULATION_MANAGEMENT_KEY") : "010203040506070801020304050607080102030405060708";
    int expected_length = decode_hex((const CK_UTF8CHAR *)key, strlen(key), expected, sizeof expected);
    if (given_length != expected_length || memcmp(given, expected, (size_t)given_length) != 0) return CKR_PIN_INCORRECT;
    /* The device itself may now write keys; SoftHSM2 writes private keys only for its user. */
    const char *device_pin = env("PKCS11_EMULATION_DEVICE_PIN");
    if (!device_pin) return CKR_GENERAL_ERROR;
    rv = soft->C_Login(handle, CKU_USER, (CK_UTF8CHAR_PTR)device_pin, strlen(device_pin));
    if (rv == CKR_OK) {
      pthread_mutex_lock(&lock);
      slot->login = SO;
      pthread_mutex_unlock(&lock);
    }
  }
  return rv;
}
#elif defined(EMULATION_YUBIHSM)
/*
 * yubihsm_pkcs11's C_Login ([hsm] pkcs11/yubihsm_pkcs11.c:1303-1336, C_LoginUser 6362-6590):
 * the PIN is the authentication key id in 4 hex digits, then its password ("0001password").
 * - only CKU_USER (6377-6380); a NULL PIN is CKR_ARGUMENTS_BAD (1309-1312);
 * - the password part has 8 to 64 characters, else CKR_ARGUMENTS_BAD (6392-6397);
 * - an id that is not 4 hex digits is CKR_PIN_INCORRECT (6448-6454);
 * - an id with no authentication key on the device: CREATE SESSION answers "object not found"
 *   (YHR_DEVICE_OBJECT_NOT_FOUND), CKR_OBJECT_HANDLE_INVALID ([hsm] pkcs11/util_pkcs11.c:130-131);
 * - a wrong password: the cryptograms differ, CKR_PIN_INCORRECT (6543-6566);
 * - the device holds 16 authenticated sessions for all applications together (YH_MAX_SESSIONS,
 *   [hsm] lib/yubihsm.h:108): beyond, YHR_DEVICE_SESSIONS_FULL, CKR_SESSION_COUNT (util_pkcs11.c:118-119);
 * - a second login is CKR_USER_ALREADY_LOGGED_IN (get_session, util_pkcs11.c:3994-3996).
 * '@' (asymmetric) and '#label#' (YubiKey-held) credentials are not emulated: CKR_ARGUMENTS_BAD.
 */
static CK_RV emulated_login(CK_SESSION_HANDLE handle, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG length) {
  if (pin == NULL) return CKR_ARGUMENTS_BAD;
  if (type != CKU_USER) return CKR_USER_TYPE_INVALID;
  if (length > 0 && (pin[0] == '@' || pin[0] == '#')) return CKR_ARGUMENTS_BAD;
  CK_ULONG id_length = length < 4 ? length : 4;
  CK_ULONG password_length = length - id_length;
  if (password_length < 8 || password_length > 64) return CKR_ARGUMENTS_BAD;
  char id[5] = {0};
  memcpy(id, pin, 4);
  if (strspn(id, "0123456789abcdefABCDEF") != 4) return CKR_PIN_INCORRECT;
  pthread_mutex_lock(&lock);
  struct slot *slot = slot_of_session(handle, NULL);
  enum login_state state = slot ? slot->login : PUBLIC;
  pthread_mutex_unlock(&lock);
  if (!slot) return CKR_SESSION_HANDLE_INVALID;
  if (state != PUBLIC) return CKR_USER_ALREADY_LOGGED_IN;
  const char *in_use = env("PKCS11_EMULATION_DEVICE_SESSIONS_IN_USE");
  if (in_use && atoi(in_use) >= 16) return CKR_SESSION_COUNT;
  const char *existing = env("PKCS11_EMULATION_AUTH_KEY_ID") ? getenv("PKCS11_EMULATION_AUTH_KEY_ID") : "0001";
  if (strtoul(id, NULL, 16) != strtoul(existing, NULL, 16)) return CKR_OBJECT_HANDLE_INVALID;
  CK_RV rv = soft->C_Login(handle, CKU_USER, pin + 4, password_length);
  if (rv == CKR_OK) {
    pthread_mutex_lock(&lock);
    slot->login = USER;
    pthread_mutex_unlock(&lock);
  }
  return rv;
}
#elif defined(EMULATION_PINPAD)
/* With a protected authentication path, pPin is NULL and the reader asks for the PIN
 * (PKCS#11 v2.40 §5.5, C_Login); the person types it there. Cancelled or timed out: CKR_FUNCTION_CANCELED. */
static CK_RV emulated_login(CK_SESSION_HANDLE handle, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG length) {
  if (pin != NULL) return soft->C_Login(handle, type, pin, length);
  char typed[256] = {0};
  const char *file_path = env("PKCS11_EMULATION_PINPAD_FILE");
  if (file_path) {
    trace("PIN pad: waiting for the PIN");
    for (int waited = 0; access(file_path, F_OK) != 0; waited += 50) {
      if (waited >= 30000) return CKR_FUNCTION_CANCELED;
      sleep_ms(50);
    }
    FILE *file = fopen(file_path, "r");
    if (!file) return CKR_FUNCTION_CANCELED;
    if (!fgets(typed, sizeof typed, file)) typed[0] = '\0';
    fclose(file);
    typed[strcspn(typed, "\r\n")] = '\0';
  } else if (env("PKCS11_EMULATION_PINPAD_PIN")) {
    snprintf(typed, sizeof typed, "%s", getenv("PKCS11_EMULATION_PINPAD_PIN"));
  } else {
    return CKR_FUNCTION_CANCELED;
  }
  CK_RV rv = soft->C_Login(handle, type, (CK_UTF8CHAR_PTR)typed, strlen(typed));
  memset(typed, 0, sizeof typed);
  return rv;
}
#else
static CK_RV emulated_login(CK_SESSION_HANDLE handle, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG length) {
  return soft->C_Login(handle, type, pin, length);
}
#endif

static const char *user_type_name(CK_USER_TYPE type) {
  return type == CKU_SO ? "CKU_SO" : type == CKU_USER ? "CKU_USER" : type == CKU_CONTEXT_SPECIFIC ? "CKU_CONTEXT_SPECIFIC" : "other";
}

static CK_RV emu_C_Login(CK_SESSION_HANDLE handle, CK_USER_TYPE type, CK_UTF8CHAR_PTR pin, CK_ULONG length) {
  CK_RV rv = emulated_login(handle, type, pin, length);
  trace("C_Login %s%s -> 0x%lx", user_type_name(type), pin == NULL ? " (no PIN)" : "", rv);
  return rv;
}

static CK_RV emu_C_Logout(CK_SESSION_HANDLE handle) {
#if defined(EMULATION_YKCS11) || defined(EMULATION_YUBIHSM)
  pthread_mutex_lock(&lock);
  struct slot *slot = slot_of_session(handle, NULL);
  enum login_state state = slot ? slot->login : PUBLIC;
  pthread_mutex_unlock(&lock);
  if (!slot) return CKR_SESSION_HANDLE_INVALID;
  /* [piv] ykcs11/ykcs11.c:1402-1406 */
  if (state == PUBLIC) return CKR_USER_NOT_LOGGED_IN;
  CK_RV rv = soft->C_Logout(handle);
  pthread_mutex_lock(&lock);
  slot->login = PUBLIC;
  pthread_mutex_unlock(&lock);
  return rv == CKR_USER_NOT_LOGGED_IN ? CKR_OK : rv;
#else
  return soft->C_Logout(handle);
#endif
}

/* ---------- objects ---------- */

static CK_RV emu_C_FindObjectsInit(CK_SESSION_HANDLE handle, CK_ATTRIBUTE_PTR template, CK_ULONG count) {
#if defined(EMULATION_YUBIHSM)
  pthread_mutex_lock(&lock);
  struct session *session;
  struct slot *slot = slot_of_session(handle, &session);
  int nothing = slot && slot->login == PUBLIC;
  if (session) session->find_nothing = nothing;
  pthread_mutex_unlock(&lock);
  /* Before login the search "succeeds" and finds nothing, public keys included:
   * [hsm] pkcs11/yubihsm_pkcs11.c:2516-2524 */
  if (nothing) {
    trace("C_FindObjectsInit -> CKR_OK, nothing (not logged in)");
    return CKR_OK;
  }
#endif
  return soft->C_FindObjectsInit(handle, template, count);
}

static CK_RV emu_C_FindObjects(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE_PTR objects, CK_ULONG max, CK_ULONG_PTR count) {
#if defined(EMULATION_YUBIHSM)
  pthread_mutex_lock(&lock);
  struct session *session = session_of(handle);
  int nothing = session && session->find_nothing;
  pthread_mutex_unlock(&lock);
  if (nothing) {
    if (!count) return CKR_ARGUMENTS_BAD;
    *count = 0;
    return CKR_OK;
  }
#endif
  return soft->C_FindObjects(handle, objects, max, count);
}

static CK_RV emu_C_FindObjectsFinal(CK_SESSION_HANDLE handle) {
#if defined(EMULATION_YUBIHSM)
  pthread_mutex_lock(&lock);
  struct session *session = session_of(handle);
  int nothing = session && session->find_nothing;
  if (session) session->find_nothing = 0;
  pthread_mutex_unlock(&lock);
  if (nothing) return CKR_OK;
#endif
  return soft->C_FindObjectsFinal(handle);
}

#if defined(EMULATION_YKCS11)
/* A private key's public point, read from the public key with its CKA_ID in a session of its own. */
static CK_RV public_point_of(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE private_key, CK_ATTRIBUTE_PTR out) {
  CK_SESSION_INFO info;
  CK_BYTE id[64];
  CK_ATTRIBUTE id_attribute = {CKA_ID, id, sizeof id};
  if (soft->C_GetSessionInfo(handle, &info) != CKR_OK || soft->C_GetAttributeValue(handle, private_key, &id_attribute, 1) != CKR_OK) return CKR_ATTRIBUTE_TYPE_INVALID;
  CK_SESSION_HANDLE lookup;
  if (soft->C_OpenSession(info.slotID, CKF_SERIAL_SESSION, NULL, NULL, &lookup) != CKR_OK) return CKR_ATTRIBUTE_TYPE_INVALID;
  CK_OBJECT_CLASS public_class = CKO_PUBLIC_KEY;
  CK_ATTRIBUTE wanted[] = {{CKA_CLASS, &public_class, sizeof public_class}, {CKA_ID, id, id_attribute.ulValueLen}};
  CK_OBJECT_HANDLE public_key;
  CK_ULONG found = 0;
  CK_RV rv = CKR_ATTRIBUTE_TYPE_INVALID;
  if (soft->C_FindObjectsInit(lookup, wanted, 2) == CKR_OK) {
    soft->C_FindObjects(lookup, &public_key, 1, &found);
    soft->C_FindObjectsFinal(lookup);
  }
  if (found == 1) {
    CK_ATTRIBUTE point = {CKA_EC_POINT, out->pValue, out->ulValueLen};
    rv = soft->C_GetAttributeValue(lookup, public_key, &point, 1);
    out->ulValueLen = point.ulValueLen;
  }
  soft->C_CloseSession(lookup);
  return rv;
}
#endif

static CK_RV emu_C_GetAttributeValue(CK_SESSION_HANDLE handle, CK_OBJECT_HANDLE object, CK_ATTRIBUTE_PTR template, CK_ULONG count) {
  CK_RV rv = soft->C_GetAttributeValue(handle, object, template, count);
#if defined(EMULATION_YKCS11)
  /* ykcs11 shows a private key's public point on the private key object too, from the
   * slot's attestation or metadata ([piv] ykcs11/objects.c:719-735, get_proa CKA_EC_POINT). */
  if (rv != CKR_ATTRIBUTE_TYPE_INVALID) return rv;
  CK_OBJECT_CLASS class_of = 0;
  CK_ATTRIBUTE class_attribute = {CKA_CLASS, &class_of, sizeof class_of};
  if (soft->C_GetAttributeValue(handle, object, &class_attribute, 1) != CKR_OK || class_of != CKO_PRIVATE_KEY) return rv;
  CK_RV all = CKR_OK;
  for (CK_ULONG i = 0; i < count; i++) {
    CK_RV one = template[i].type == CKA_EC_POINT ? public_point_of(handle, object, &template[i]) : soft->C_GetAttributeValue(handle, object, &template[i], 1);
    if (one != CKR_OK) {
      template[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      all = one;
    }
  }
  return all;
#else
  (void)handle;
  return rv;
#endif
}

/* ---------- signing ---------- */

static CK_RV emu_C_SignInit(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism, CK_OBJECT_HANDLE key) {
#if defined(EMULATION_YKCS11)
  pthread_mutex_lock(&lock);
  struct slot *slot = slot_of_session(handle, NULL);
  enum login_state state = slot ? slot->login : PUBLIC;
  pthread_mutex_unlock(&lock);
  /* [piv] ykcs11/ykcs11.c:2894-2900: no signature before a login (user, or SO) */
  if (slot && state == PUBLIC) return CKR_USER_NOT_LOGGED_IN;
#endif
  CK_RV rv = soft->C_SignInit(handle, mechanism, key);
  pthread_mutex_lock(&lock);
  struct session *session = session_of(handle);
  if (session) session->signing = rv == CKR_OK;
  pthread_mutex_unlock(&lock);
  trace("C_SignInit -> 0x%lx", rv);
  return rv;
}

#if defined(EMULATION_YKCS11)
/*
 * A key with a touch policy makes the YubiKey blink and wait for a touch before it signs;
 * without one within 15 seconds the card answers "security status not satisfied" (SW 0x6982),
 * which ykpiv makes YKPIV_AUTHENTICATION_ERROR ([piv] lib/ykpiv.c:1171-1173) and ykcs11
 * CKR_USER_NOT_LOGGED_IN ([piv] ykcs11/utils.c:171-172, mechanisms.c:266-271).
 */
static CK_RV wait_for_touch(void) {
  const char *seconds = env("PKCS11_EMULATION_TOUCH_SECONDS");
  const char *file = env("PKCS11_EMULATION_TOUCH_FILE");
  int missed = env("PKCS11_EMULATION_TOUCH") && strcmp(getenv("PKCS11_EMULATION_TOUCH"), "missed") == 0;
  if (!seconds && !file && !missed) return CKR_OK;
  trace("touch: waiting");
  if (seconds) sleep_ms(atol(seconds) * 1000L);
  if (file) {
    long timeout = env("PKCS11_EMULATION_TOUCH_TIMEOUT") ? atol(getenv("PKCS11_EMULATION_TOUCH_TIMEOUT")) * 1000L : 15000L;
    const char *removed = env("PKCS11_EMULATION_REMOVE_FILE");
    for (long waited = 0; access(file, F_OK) != 0; waited += 50) {
      if (waited >= timeout) return CKR_USER_NOT_LOGGED_IN;
      /* The card leaves the reader mid-wait: PC/SC fails, ykpiv says YKPIV_PCSC_ERROR and ykcs11
         CKR_DEVICE_REMOVED ([piv] ykcs11/utils.c:165-166). */
      if (removed && access(removed, F_OK) == 0) {
        trace("touch: removed");
        return CKR_DEVICE_REMOVED;
      }
      sleep_ms(50);
    }
  }
  return missed ? CKR_USER_NOT_LOGGED_IN : CKR_OK;
}
#endif

static CK_RV emu_C_Sign(CK_SESSION_HANDLE handle, CK_BYTE_PTR data, CK_ULONG length, CK_BYTE_PTR signature, CK_ULONG_PTR signature_length) {
#if defined(EMULATION_YKCS11)
  /* A size query reaches no card ([piv] ykcs11/ykcs11.c:2957-2963). */
  if (signature != NULL) {
    CK_RV touched = wait_for_touch();
    if (touched != CKR_OK) {
      /* The operation ends with the failure ([piv] ykcs11/ykcs11.c:2999-3001): let SoftHSM2 finish it unseen. */
      CK_BYTE scratch[1024];
      CK_ULONG scratch_length = sizeof scratch;
      soft->C_Sign(handle, data, length, scratch, &scratch_length);
      trace("C_Sign -> 0x%lx (touch)", touched);
      return touched;
    }
  }
#endif
  CK_RV rv = soft->C_Sign(handle, data, length, signature, signature_length);
  if (signature != NULL || rv != CKR_OK) {
    pthread_mutex_lock(&lock);
    struct session *session = session_of(handle);
    if (session) session->signing = 0;
    pthread_mutex_unlock(&lock);
    trace("C_Sign -> 0x%lx", rv);
  }
  return rv;
}

static CK_RV emu_C_SignFinal(CK_SESSION_HANDLE handle, CK_BYTE_PTR signature, CK_ULONG_PTR signature_length) {
#if defined(EMULATION_YKCS11)
  if (signature != NULL) {
    CK_RV touched = wait_for_touch();
    if (touched != CKR_OK) {
      CK_BYTE scratch[1024];
      CK_ULONG scratch_length = sizeof scratch;
      soft->C_SignFinal(handle, scratch, &scratch_length);
      return touched;
    }
  }
#endif
  CK_RV rv = soft->C_SignFinal(handle, signature, signature_length);
  if (signature != NULL || rv != CKR_OK) {
    pthread_mutex_lock(&lock);
    struct session *session = session_of(handle);
    if (session) session->signing = 0;
    pthread_mutex_unlock(&lock);
  }
  return rv;
}

/* ---------- key generation ---------- */

#if defined(EMULATION_YKCS11)
static const CK_BYTE p256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
static const CK_BYTE p384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
/* PrintableString "edwards25519" ([piv] ykcs11/objects.c:42): the only Ed25519 parameters ykcs11 takes. */
static const CK_BYTE edwards25519[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'};

/* The PIV object labels ykcs11 gives a slot's keys and certificate ([piv] ykcs11/objects.c:54-156). */
static const char *slot_name(CK_BYTE id) {
  static const char *names[] = {NULL, "PIV Authentication", "Digital Signature", "Key Management", "Card Authentication"};
  static char retired[32];
  if (id >= 1 && id <= 4) return names[id];
  if (id == 25) return "PIV Attestation";
  snprintf(retired, sizeof retired, "Retired Key %d", id - 4);
  return retired;
}

static int allowed_public_attribute(CK_ATTRIBUTE_TYPE type) {
  switch (type) {
    case CKA_CLASS: case CKA_KEY_TYPE: case CKA_EC_PARAMS: case CKA_MODULUS_BITS: case CKA_PUBLIC_EXPONENT: case CKA_ID:
    case CKA_COPYABLE: case CKA_DESTROYABLE: case CKA_EXTRACTABLE: case CKA_SENSITIVE: case CKA_TOKEN: case CKA_ENCRYPT:
    case CKA_DECRYPT: case CKA_SIGN: case CKA_SIGN_RECOVER: case CKA_VERIFY: case CKA_VERIFY_RECOVER: case CKA_WRAP:
    case CKA_UNWRAP: case CKA_DERIVE: case CKA_PRIVATE: case CKA_LABEL: case CKA_ISSUER: case CKA_SUBJECT:
      return 1;
    default:
      return 0;
  }
}

/* Deletes what a slot held: generating a key replaces the slot's key and certificate. */
static void clear_slot(CK_SESSION_HANDLE handle, CK_BYTE id) {
  CK_OBJECT_CLASS classes[] = {CKO_PRIVATE_KEY, CKO_PUBLIC_KEY, CKO_CERTIFICATE};
  for (int c = 0; c < 3; c++) {
    CK_ATTRIBUTE wanted[] = {{CKA_CLASS, &classes[c], sizeof classes[c]}, {CKA_ID, &id, 1}};
    CK_OBJECT_HANDLE found[16];
    CK_ULONG count = 0;
    if (soft->C_FindObjectsInit(handle, wanted, 2) != CKR_OK) continue;
    soft->C_FindObjects(handle, found, 16, &count);
    soft->C_FindObjectsFinal(handle);
    for (CK_ULONG i = 0; i < count; i++) soft->C_DestroyObject(handle, found[i]);
  }
}

/*
 * ykcs11's C_GenerateKeyPair ([piv] ykcs11/ykcs11.c:3487-3670, templates objects.c:2638-3105):
 * - the PIV slot is the first byte of CKA_ID, which must name one (1-25); the rest of the value is
 *   not read (objects.c:2753-2759, 2984-2997); a template without CKA_ID is CKR_TEMPLATE_INCOMPLETE
 *   (ykcs11.c:3568-3572); the labels are ykcs11's own, CKA_LABEL is ignored (objects.c:2763-2781);
 * - EC: only the OIDs of P-256 and P-384 (objects.c:2743-2751); Ed25519: only the PrintableString
 *   "edwards25519" (objects.c:2820-2826), on firmware 5.7 or later (token.c:412-417);
 *   other parameters are CKR_ATTRIBUTE_VALUE_INVALID;
 * - an attribute outside ykcs11's list is CKR_ATTRIBUTE_TYPE_INVALID (objects.c:2783-2786);
 * - only after the management key (SO login), else CKR_USER_TYPE_INVALID (ykcs11.c:3586-3591);
 * - the PIN policy is the slot's default: "always" for 9c (CKA_ALWAYS_AUTHENTICATE, objects.c:240-243)
 *   unless CKA_ALWAYS_AUTHENTICATE says otherwise (objects.c:3028-3045).
 * Not emulated: the empty self-signed certificate ykcs11 stores in the slot (token.c:475-499) and
 * the attestation it makes (ykcs11.c:3626-3660); the slot's old certificate is removed instead.
 */
static CK_RV generate_key_pair(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism, CK_ATTRIBUTE_PTR public_template, CK_ULONG public_count,
                               CK_ATTRIBUTE_PTR private_template, CK_ULONG private_count, CK_OBJECT_HANDLE_PTR public_key, CK_OBJECT_HANDLE_PTR private_key) {
  if (!mechanism || !public_template || !private_template || !public_key || !private_key) return CKR_ARGUMENTS_BAD;
  CK_MECHANISM_TYPE type = mechanism->mechanism;
  if (type != CKM_EC_KEY_PAIR_GEN && type != EMU_CKM_EC_EDWARDS_KEY_PAIR_GEN && type != CKM_RSA_PKCS_KEY_PAIR_GEN) return CKR_MECHANISM_INVALID;
  CK_BYTE id = 0;
  int algorithm_known = 0, always = -1;
  for (CK_ULONG i = 0; i < public_count; i++) {
    CK_ATTRIBUTE *a = &public_template[i];
    if (!allowed_public_attribute(a->type)) return CKR_ATTRIBUTE_TYPE_INVALID;
    if (a->type == CKA_ID) {
      CK_BYTE first = a->ulValueLen > 0 ? ((CK_BYTE *)a->pValue)[0] : 0;
      if (first < 1 || first > 25) return CKR_ATTRIBUTE_VALUE_INVALID;
      id = first;
    } else if (a->type == CKA_EC_PARAMS) {
      if (type == CKM_EC_KEY_PAIR_GEN && ((a->ulValueLen == sizeof p256 && !memcmp(a->pValue, p256, sizeof p256)) || (a->ulValueLen == sizeof p384 && !memcmp(a->pValue, p384, sizeof p384)))) algorithm_known = 1;
      else if (type == EMU_CKM_EC_EDWARDS_KEY_PAIR_GEN && a->ulValueLen == sizeof edwards25519 && !memcmp(a->pValue, edwards25519, sizeof edwards25519)) algorithm_known = 1;
      else return CKR_ATTRIBUTE_VALUE_INVALID;
    } else if (a->type == CKA_MODULUS_BITS && type == CKM_RSA_PKCS_KEY_PAIR_GEN) {
      CK_ULONG bits = *(CK_ULONG *)a->pValue;
      if (bits != 1024 && bits != 2048 && bits != 3072 && bits != 4096) return CKR_ATTRIBUTE_VALUE_INVALID;
      algorithm_known = 1;
    }
  }
  for (CK_ULONG i = 0; i < private_count; i++) {
    CK_ATTRIBUTE *a = &private_template[i];
    switch (a->type) {
      case CKA_ID: {
        CK_BYTE first = a->ulValueLen > 0 ? ((CK_BYTE *)a->pValue)[0] : 0;
        if (first < 1 || first > 25) return CKR_ATTRIBUTE_VALUE_INVALID;
        if (id != 0 && id != first) return CKR_TEMPLATE_INCONSISTENT;
        id = first;
        break;
      }
      case CKA_TOKEN: case CKA_PRIVATE: case CKA_SENSITIVE:
        if (*(CK_BBOOL *)a->pValue != CK_TRUE) return CKR_ATTRIBUTE_VALUE_INVALID;
        break;
      case CKA_EXTRACTABLE:
        if (*(CK_BBOOL *)a->pValue != CK_FALSE) return CKR_ATTRIBUTE_VALUE_INVALID;
        break;
      case CKA_ALWAYS_AUTHENTICATE:
        always = *(CK_BBOOL *)a->pValue == CK_TRUE;
        break;
      case CKA_CLASS: case CKA_KEY_TYPE: case CKA_COPYABLE: case CKA_DESTROYABLE: case CKA_ENCRYPT: case CKA_DECRYPT: case CKA_WRAP:
      case CKA_UNWRAP: case CKA_SIGN: case CKA_SIGN_RECOVER: case CKA_VERIFY: case CKA_VERIFY_RECOVER: case CKA_DERIVE: case CKA_LABEL:
      case CKA_ISSUER: case CKA_SUBJECT:
        break;
      default:
        return CKR_ATTRIBUTE_TYPE_INVALID;
    }
  }
  if (!algorithm_known) return CKR_TEMPLATE_INCOMPLETE;
  if (id == 0) return CKR_TEMPLATE_INCOMPLETE;
  pthread_mutex_lock(&lock);
  struct slot *slot = slot_of_session(handle, NULL);
  enum login_state state = slot ? slot->login : PUBLIC;
  pthread_mutex_unlock(&lock);
  if (state != SO) return CKR_USER_TYPE_INVALID;
  if (type == EMU_CKM_EC_EDWARDS_KEY_PAIR_GEN) {
    int major = 5, minor = 7, patch = 1;
    if (env("PKCS11_EMULATION_FIRMWARE")) sscanf(getenv("PKCS11_EMULATION_FIRMWARE"), "%d.%d.%d", &major, &minor, &patch);
    if (major < 5 || (major == 5 && minor < 7)) return CKR_FUNCTION_NOT_SUPPORTED;
  }

  clear_slot(handle, id);
  char private_label[64], public_label[64];
  snprintf(private_label, sizeof private_label, "Private key for %s", slot_name(id));
  snprintf(public_label, sizeof public_label, "Public key for %s", slot_name(id));
  CK_BBOOL yes = CK_TRUE, no = CK_FALSE, always_value = always == -1 ? (id == 2 ? CK_TRUE : CK_FALSE) : (CK_BBOOL)always;
  /* SoftHSM2 gets the caller's key parameters and ykcs11's identity of the objects. */
  CK_ATTRIBUTE public_out[24], private_out[24];
  CK_ULONG public_n = 0, private_n = 0;
  for (CK_ULONG i = 0; i < public_count && public_n < 20; i++)
    if (public_template[i].type != CKA_ID && public_template[i].type != CKA_LABEL && public_template[i].type != CKA_TOKEN) public_out[public_n++] = public_template[i];
  public_out[public_n++] = (CK_ATTRIBUTE){CKA_ID, &id, 1};
  public_out[public_n++] = (CK_ATTRIBUTE){CKA_LABEL, public_label, strlen(public_label)};
  public_out[public_n++] = (CK_ATTRIBUTE){CKA_TOKEN, &yes, sizeof yes};
  for (CK_ULONG i = 0; i < private_count && private_n < 18; i++) {
    CK_ATTRIBUTE_TYPE t = private_template[i].type;
    if (t != CKA_ID && t != CKA_LABEL && t != CKA_TOKEN && t != CKA_ALWAYS_AUTHENTICATE && t != CKA_EXTRACTABLE) private_out[private_n++] = private_template[i];
  }
  private_out[private_n++] = (CK_ATTRIBUTE){CKA_ID, &id, 1};
  private_out[private_n++] = (CK_ATTRIBUTE){CKA_LABEL, private_label, strlen(private_label)};
  private_out[private_n++] = (CK_ATTRIBUTE){CKA_TOKEN, &yes, sizeof yes};
  private_out[private_n++] = (CK_ATTRIBUTE){CKA_EXTRACTABLE, &no, sizeof no};
  private_out[private_n++] = (CK_ATTRIBUTE){CKA_ALWAYS_AUTHENTICATE, &always_value, sizeof always_value};
  return soft->C_GenerateKeyPair(handle, mechanism, public_out, public_n, private_out, private_n, public_key, private_key);
}

static CK_RV emu_C_GenerateKeyPair(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism, CK_ATTRIBUTE_PTR public_template, CK_ULONG public_count,
                                   CK_ATTRIBUTE_PTR private_template, CK_ULONG private_count, CK_OBJECT_HANDLE_PTR public_key, CK_OBJECT_HANDLE_PTR private_key) {
  CK_RV rv = generate_key_pair(handle, mechanism, public_template, public_count, private_template, private_count, public_key, private_key);
  trace("C_GenerateKeyPair -> 0x%lx", rv);
  return rv;
}
#endif

/* ---------- the function list ---------- */

#if defined(EMULATION_YUBIHSM)
/* The PrintableString "edwards25519", the only Ed25519 parameters yubihsm_pkcs11 takes or shows ([hsm] pkcs11/util_pkcs11.c:69-81). */
static const CK_BYTE hsm_edwards25519[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd', 's', '2', '5', '5', '1', '9'};

static int bool_is(CK_ATTRIBUTE *a, CK_BBOOL wanted) { return a->ulValueLen == sizeof(CK_BBOOL) && a->pValue && *(CK_BBOOL *)a->pValue == wanted; }

/*
 * yubihsm_pkcs11's C_GenerateKeyPair ([hsm] pkcs11/yubihsm_pkcs11.c:5433-5560; templates util_pkcs11.c
 * parse_ec_generate_template 4997-5210, parse_ed_generate_template 5212-5420):
 * - only in an authenticated session: CKR_USER_NOT_LOGGED_IN otherwise (get_session, util_pkcs11.c:3986-3992);
 * - Ed25519: CKA_EC_PARAMS only the PrintableString "edwards25519", the OID is CKR_CURVE_NOT_SUPPORTED (parse_edparams 4370-4379);
 * - the public half's CKA_PRIVATE, CKA_SENSITIVE, CKA_SIGN (and the like) must be false, the private half's CKA_TOKEN,
 *   CKA_PRIVATE, CKA_SENSITIVE true (check_bool_attribute: CKR_ATTRIBUTE_VALUE_INVALID); an attribute it does not
 *   know is CKR_ATTRIBUTE_TYPE_INVALID.
 * Not emulated: the object id the device picks when CKA_ID is not 2 bytes (the module keeps the CKA_ID given in a
 * meta object and shows it, parse_meta_id_template 4661-4700), so SoftHSM2 keeps CKA_ID as given; the key's
 * capabilities (sign-ecdsa, and exportable-under-wrap only with CKA_EXTRACTABLE true, 5497-5504).
 */
static CK_RV generate_key_pair(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism, CK_ATTRIBUTE_PTR public_template, CK_ULONG public_count,
                               CK_ATTRIBUTE_PTR private_template, CK_ULONG private_count, CK_OBJECT_HANDLE_PTR public_key, CK_OBJECT_HANDLE_PTR private_key) {
  if (!mechanism || !public_template || !private_template || !public_key || !private_key) return CKR_ARGUMENTS_BAD;
  pthread_mutex_lock(&lock);
  struct slot *slot = slot_of_session(handle, NULL);
  enum login_state state = slot ? slot->login : PUBLIC;
  pthread_mutex_unlock(&lock);
  if (!slot) return CKR_SESSION_HANDLE_INVALID;
  if (state == PUBLIC) return CKR_USER_NOT_LOGGED_IN;
  CK_MECHANISM_TYPE type = mechanism->mechanism;
  if (type != CKM_EC_KEY_PAIR_GEN && type != EMU_CKM_EC_EDWARDS_KEY_PAIR_GEN && type != CKM_RSA_PKCS_KEY_PAIR_GEN) return CKR_MECHANISM_INVALID;
  for (CK_ULONG i = 0; i < public_count; i++) {
    CK_ATTRIBUTE *a = &public_template[i];
    switch (a->type) {
      case CKA_EC_PARAMS:
        if (type == EMU_CKM_EC_EDWARDS_KEY_PAIR_GEN && (a->ulValueLen != sizeof hsm_edwards25519 || memcmp(a->pValue, hsm_edwards25519, sizeof hsm_edwards25519))) return CKR_CURVE_NOT_SUPPORTED;
        break;
      case CKA_PRIVATE: case CKA_SENSITIVE: case CKA_SIGN: case CKA_SIGN_RECOVER: case CKA_DECRYPT: case CKA_UNWRAP: case CKA_ALWAYS_AUTHENTICATE:
        if (!bool_is(a, CK_FALSE)) return CKR_ATTRIBUTE_VALUE_INVALID;
        break;
      case CKA_CLASS: case CKA_KEY_TYPE: case CKA_ID: case CKA_LABEL: case CKA_TOKEN: case CKA_VERIFY: case CKA_DERIVE: case CKA_EXTRACTABLE:
      case CKA_DESTROYABLE: case CKA_MODIFIABLE: case CKA_COPYABLE: case CKA_ENCRYPT: case CKA_WRAP: case CKA_VERIFY_RECOVER:
      case CKA_MODULUS_BITS: case CKA_PUBLIC_EXPONENT: case CKA_SUBJECT:
        break;
      default:
        return CKR_ATTRIBUTE_TYPE_INVALID;
    }
  }
  for (CK_ULONG i = 0; i < private_count; i++) {
    CK_ATTRIBUTE *a = &private_template[i];
    switch (a->type) {
      case CKA_TOKEN: case CKA_PRIVATE: case CKA_SENSITIVE:
        if (!bool_is(a, CK_TRUE)) return CKR_ATTRIBUTE_VALUE_INVALID;
        break;
      case CKA_CLASS: case CKA_KEY_TYPE: case CKA_ID: case CKA_LABEL: case CKA_SIGN: case CKA_EXTRACTABLE: case CKA_DERIVE: case CKA_DECRYPT:
      case CKA_UNWRAP: case CKA_DESTROYABLE: case CKA_MODIFIABLE: case CKA_COPYABLE: case CKA_VERIFY: case CKA_ENCRYPT: case CKA_WRAP:
      case CKA_SIGN_RECOVER: case CKA_VERIFY_RECOVER: case CKA_SUBJECT:
        break;
      default:
        return CKR_ATTRIBUTE_TYPE_INVALID;
    }
  }
  return soft->C_GenerateKeyPair(handle, mechanism, public_template, public_count, private_template, private_count, public_key, private_key);
}

static CK_RV emu_C_GenerateKeyPair(CK_SESSION_HANDLE handle, CK_MECHANISM_PTR mechanism, CK_ATTRIBUTE_PTR public_template, CK_ULONG public_count,
                                   CK_ATTRIBUTE_PTR private_template, CK_ULONG private_count, CK_OBJECT_HANDLE_PTR public_key, CK_OBJECT_HANDLE_PTR private_key) {
  CK_RV rv = generate_key_pair(handle, mechanism, public_template, public_count, private_template, private_count, public_key, private_key);
  trace("C_GenerateKeyPair -> 0x%lx", rv);
  return rv;
}
#endif

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list) {
  if (!list) return CKR_ARGUMENTS_BAD;
  pthread_mutex_lock(&lock);
  if (!soft) {
    const char *path = env("PKCS11_EMULATION_SOFTHSM") ? getenv("PKCS11_EMULATION_SOFTHSM") : "/usr/lib/softhsm/libsofthsm2.so";
    void *library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    CK_C_GetFunctionList get = library ? (CK_C_GetFunctionList)dlsym(library, "C_GetFunctionList") : NULL;
    CK_FUNCTION_LIST_PTR found = NULL;
    if (!get || get(&found) != CKR_OK || !found) {
      fprintf(stderr, "pkcs11 emulation: cannot load %s: %s\n", path, library ? "no C_GetFunctionList" : dlerror());
      pthread_mutex_unlock(&lock);
      return CKR_GENERAL_ERROR;
    }
    soft = found;
    emulated = *soft;
    emulated.version.major = 2;
    emulated.version.minor = 40;
    emulated.C_Initialize = emu_C_Initialize;
    emulated.C_Finalize = emu_C_Finalize;
    emulated.C_GetInfo = emu_C_GetInfo;
    emulated.C_GetSlotList = emu_C_GetSlotList;
    emulated.C_GetSlotInfo = emu_C_GetSlotInfo;
    emulated.C_GetTokenInfo = emu_C_GetTokenInfo;
    emulated.C_WaitForSlotEvent = emu_C_WaitForSlotEvent;
    emulated.C_GetMechanismList = emu_C_GetMechanismList;
    emulated.C_GetMechanismInfo = emu_C_GetMechanismInfo;
    emulated.C_InitToken = emu_C_InitToken;
    emulated.C_OpenSession = emu_C_OpenSession;
    emulated.C_CloseSession = emu_C_CloseSession;
    emulated.C_CloseAllSessions = emu_C_CloseAllSessions;
    emulated.C_GetSessionInfo = emu_C_GetSessionInfo;
    emulated.C_Login = emu_C_Login;
    emulated.C_Logout = emu_C_Logout;
    emulated.C_FindObjectsInit = emu_C_FindObjectsInit;
    emulated.C_FindObjects = emu_C_FindObjects;
    emulated.C_FindObjectsFinal = emu_C_FindObjectsFinal;
    emulated.C_GetAttributeValue = emu_C_GetAttributeValue;
    emulated.C_SignInit = emu_C_SignInit;
    emulated.C_Sign = emu_C_Sign;
    emulated.C_SignFinal = emu_C_SignFinal;
#if defined(EMULATION_YKCS11) || defined(EMULATION_YUBIHSM)
    emulated.C_GenerateKeyPair = emu_C_GenerateKeyPair;
#endif
  }
  pthread_mutex_unlock(&lock);
  *list = &emulated;
  return CKR_OK;
}
