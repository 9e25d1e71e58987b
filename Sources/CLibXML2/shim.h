#ifndef EDC_CLIBXML2_SHIM_H
#define EDC_CLIBXML2_SHIM_H
// Debian's libxml2 is built with ICU, whose types clash with the ICU bundled in Foundation.
// None of the ICU-dependent APIs are used, so hide them.
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/c14n.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

// `xmlFree` is a global function pointer, which Swift 6 sees as shared mutable state.
static inline void edc_xml_free(void *pointer) {
    xmlFree(pointer);
}
#endif
