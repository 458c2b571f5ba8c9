// CK_TOKEN_INFO flags (PKCS#11 v2.40 §3.2), as the token service reads them.
export const loginRequired = 0x4;
export const protectedAuthenticationPath = 0x100;
export const userPinCountLow = 0x10000;
export const userPinFinalTry = 0x20000;
export const userPinLocked = 0x40000;
