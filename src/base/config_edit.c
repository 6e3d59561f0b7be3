/* Edits of a config's text, for the one writer of a config eved has: the
 * first start of an installed service (src/app/first_run.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "config.h"

static int fail(char *error, size_t size, const char *what) {
  snprintf(error, size, "%s", what);
  return EVE_EINVAL;
}

int eved_config_text_set_listen(const char *text, size_t size, const char *listen, char **out,
                                size_t *out_size, char *error, size_t error_size) {
  *out = NULL;
  *out_size = 0;
  eve_net_address_t address;
  if (eve_net_address_parse(listen, &address) != EVE_OK) {
    snprintf(error, error_size,
             "bad listen address \"%.64s\" (want IPv4:port, [IPv6]:port or localhost:port)", listen);
    return EVE_EINVAL;
  }
  cJSON *root = cJSON_ParseWithLength(text, size);
  if (root == NULL || !cJSON_IsObject(root)) {
    cJSON_Delete(root);
    return fail(error, error_size, "not a JSON object");
  }
  cJSON *list = cJSON_CreateArray();
  cJSON *item = cJSON_CreateString(listen);
  if (list == NULL || item == NULL || !cJSON_AddItemToArray(list, item)) {
    cJSON_Delete(item);
    cJSON_Delete(list);
    cJSON_Delete(root);
    return EVE_ENOMEM;
  }
  /* Replaced in place, so the key keeps its position in the file. */
  bool ok = cJSON_HasObjectItem(root, "listen") ? cJSON_ReplaceItemInObjectCaseSensitive(root, "listen", list)
                                                : cJSON_AddItemToObject(root, "listen", list);
  if (!ok) {
    cJSON_Delete(list);
    cJSON_Delete(root);
    return EVE_ENOMEM;
  }
  char *printed = cJSON_Print(root);
  cJSON_Delete(root);
  if (printed == NULL) return EVE_ENOMEM;
  size_t n = strlen(printed);
  /* cJSON's buffer goes back through cJSON_free; the caller frees with free(). */
  char *copy = malloc(n + 2);
  if (copy == NULL) {
    cJSON_free(printed);
    return EVE_ENOMEM;
  }
  memcpy(copy, printed, n);
  copy[n] = '\n';
  copy[n + 1] = '\0';
  cJSON_free(printed);
  *out = copy;
  *out_size = n + 1;
  return EVE_OK;
}
