/* The one table of eve error messages. */
#include <eve/eve_error.h>

const char *eve_strerror(int error) {
  switch (error) {
    case EVE_OK:
      return "success";
#define EVE_ERROR_TEXT(name, value, text) \
  case EVE_##name:                        \
    return text;
      EVE_ERROR_TABLE(EVE_ERROR_TEXT)
#undef EVE_ERROR_TEXT
    default:
      return "unknown error";
  }
}

const char *eve_error_name(int error) {
  switch (error) {
    case EVE_OK:
      return "EVE_OK";
#define EVE_ERROR_SYMBOL(name, value, text) \
  case EVE_##name:                          \
    return "EVE_" #name;
      EVE_ERROR_TABLE(EVE_ERROR_SYMBOL)
#undef EVE_ERROR_SYMBOL
    default:
      return "EVE_EUNKNOWN";
  }
}
