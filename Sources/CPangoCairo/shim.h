#ifndef EDC_CPANGOCAIRO_SHIM_H
#define EDC_CPANGOCAIRO_SHIM_H
// cairo (PDF surface) and pango (layout, shaping, font subsets) for the attestation PDF.
#include <cairo/cairo.h>
#include <cairo/cairo-pdf.h>
#include <pango/pangocairo.h>
#endif
