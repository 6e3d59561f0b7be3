/* memory: /proc/meminfo as node_exporter's meminfo collector exports it:
 * node_memory_<Field>_bytes gauges (kB times 1024), "(anon)" written
 * "_anon", and the unitless HugePages counts without _bytes. The fields
 * are a fixed table of literals (metric_set.h keeps names by pointer);
 * a field this kernel lacks is absent, one the table lacks is skipped. */
#include <stdio.h>
#include <string.h>

#include "collector.h"
#include "procfs_linux.h"

typedef struct field {
  const char *key;  /* as /proc/meminfo spells it, colon excluded */
  const char *name; /* the family */
  const char *help;
} field_t;

#define B(key, name) {key, "node_memory_" name "_bytes", "Memory information field " name "_bytes."}
#define N(key) {key, "node_memory_" key, "Memory information field " key "."}
static const field_t fields[] = {
    B("MemTotal", "MemTotal"), B("MemFree", "MemFree"), B("MemAvailable", "MemAvailable"),
    B("Buffers", "Buffers"), B("Cached", "Cached"), B("SwapCached", "SwapCached"),
    B("Active", "Active"), B("Inactive", "Inactive"), B("Active(anon)", "Active_anon"),
    B("Inactive(anon)", "Inactive_anon"), B("Active(file)", "Active_file"),
    B("Inactive(file)", "Inactive_file"), B("Unevictable", "Unevictable"), B("Mlocked", "Mlocked"),
    B("SwapTotal", "SwapTotal"), B("SwapFree", "SwapFree"), B("Zswap", "Zswap"),
    B("Zswapped", "Zswapped"), B("Dirty", "Dirty"), B("Writeback", "Writeback"),
    B("AnonPages", "AnonPages"), B("Mapped", "Mapped"), B("Shmem", "Shmem"),
    B("KReclaimable", "KReclaimable"), B("Slab", "Slab"), B("SReclaimable", "SReclaimable"),
    B("SUnreclaim", "SUnreclaim"), B("KernelStack", "KernelStack"), B("PageTables", "PageTables"),
    B("SecPageTables", "SecPageTables"), B("NFS_Unstable", "NFS_Unstable"), B("Bounce", "Bounce"),
    B("WritebackTmp", "WritebackTmp"), B("CommitLimit", "CommitLimit"),
    B("Committed_AS", "Committed_AS"), B("VmallocTotal", "VmallocTotal"),
    B("VmallocUsed", "VmallocUsed"), B("VmallocChunk", "VmallocChunk"), B("Percpu", "Percpu"),
    B("HardwareCorrupted", "HardwareCorrupted"), B("AnonHugePages", "AnonHugePages"),
    B("ShmemHugePages", "ShmemHugePages"), B("ShmemPmdMapped", "ShmemPmdMapped"),
    B("FileHugePages", "FileHugePages"), B("FilePmdMapped", "FilePmdMapped"),
    B("CmaTotal", "CmaTotal"), B("CmaFree", "CmaFree"), N("HugePages_Total"),
    N("HugePages_Free"), N("HugePages_Rsvd"), N("HugePages_Surp"), B("Hugepagesize", "Hugepagesize"),
    B("Hugetlb", "Hugetlb"), B("DirectMap4k", "DirectMap4k"), B("DirectMap2M", "DirectMap2M"),
    B("DirectMap1G", "DirectMap1G"),
};
#undef B
#undef N
#define FIELDS (sizeof fields / sizeof fields[0])

static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  (void)args;
  eved_lines_t r;
  if (eved_lines_open(&r, "/proc/meminfo") != 0) {
    snprintf(error, error_size, "/proc/meminfo: cannot open");
    return -1;
  }
  bool seen[FIELDS] = {false};
  size_t found = 0;
  for (char *line; (line = eved_lines_next(&r)) != NULL;) {
    char *colon = strchr(line, ':');
    if (colon == NULL) continue;
    *colon = '\0';
    char *f[3];
    size_t n = eved_fields(colon + 1, f, 3);
    uint64_t value;
    if (n < 1 || !eved_parse_u64(f[0], &value)) {
      eved_metric_set_error(set);
      continue;
    }
    if (n >= 2 && strcmp(f[1], "kB") == 0) value *= 1024;
    for (size_t i = 0; i < FIELDS; i++) {
      if (seen[i] || strcmp(fields[i].key, line) != 0) continue;
      seen[i] = true; /* a field twice would be a duplicate series */
      eved_metric_family(set, fields[i].name, EVED_METRIC_GAUGE, fields[i].help);
      eved_metric_sample(set, (double)value, 0, NULL);
      found++;
      break;
    }
  }
  eved_lines_close(&r);
  if (found == 0) {
    snprintf(error, error_size, "/proc/meminfo: no known field");
    return -1;
  }
  return 0;
}

/* The names this collector's families start with (collector.h). */
static const char *const namespaces[] = {"node_memory_", NULL};

const eved_collector_t eved_memory_collector = {
    .name = "memory", .collect = collect, .families = FIELDS, .samples = FIELDS, .string_bytes = 64,
    .namespaces = namespaces};
