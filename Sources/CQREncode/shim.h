#ifndef EDC_CQRENCODE_SHIM_H
#define EDC_CQRENCODE_SHIM_H
#include <qrencode.h>
#endif
