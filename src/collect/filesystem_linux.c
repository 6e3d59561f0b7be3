/* filesystem: size, free and available bytes and inodes of each mounted
 * filesystem, from the mount table and statvfs(3), as node_exporter's
 * filesystem collector exports them: node_filesystem_*{device,fstype,
 * mountpoint}. The mounts and filesystem types node_exporter 1.x skips by
 * default (pseudo filesystems, /proc, /sys, /dev, container layers) are
 * skipped here too, so the two list the same series.
 *
 * statvfs on a dead network mount can block for good: this runs on the
 * collector's own thread, which the engine abandons and replaces after
 * collectors.timeout_ms (docs/collectors.md). */
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>

#include "collector.h"
#include "procfs_linux.h"

/* node_exporter 1.x --collector.filesystem.fs-types-exclude default. */
static const char *const excluded_types[] = {
    "autofs",    "binfmt_misc", "bpf",        "cgroup",   "cgroup2",    "configfs",
    "debugfs",   "devpts",      "devtmpfs",   "fusectl",  "hugetlbfs",  "iso9660",
    "mqueue",    "nsfs",        "overlay",    "proc",     "procfs",     "pstore",
    "rpc_pipefs", "securityfs", "selinuxfs",  "squashfs", "sysfs",      "tracefs"};

static bool under(const char *path, const char *dir) {
  size_t n = strlen(dir);
  return strncmp(path, dir, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

/* node_exporter 1.x --collector.filesystem.mount-points-exclude default:
 * ^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/) */
static bool excluded(const char *mountpoint, const char *fstype) {
  for (size_t i = 0; i < sizeof excluded_types / sizeof excluded_types[0]; i++)
    if (strcmp(fstype, excluded_types[i]) == 0) return true;
  if (under(mountpoint, "/dev") || under(mountpoint, "/proc") || under(mountpoint, "/sys"))
    return true;
  static const char *const below[] = {"/run/credentials/", "/var/lib/docker/",
                                      "/var/lib/containers/storage/"};
  for (size_t i = 0; i < sizeof below / sizeof below[0]; i++) {
    size_t n = strlen(below[i]);
    if (strncmp(mountpoint, below[i], n) == 0 && mountpoint[n] != '\0') return true;
  }
  return false;
}

/* The mount table escapes space, tab, newline and backslash as \ooo
 * (getmntent(3)); decoded in place. */
static void unescape(char *s) {
  char *out = s;
  for (char *in = s; *in != '\0'; in++) {
    if (in[0] == '\\' && in[1] >= '0' && in[1] <= '3' && in[2] >= '0' && in[2] <= '7' &&
        in[3] >= '0' && in[3] <= '7') {
      *out++ = (char)((in[1] - '0') * 64 + (in[2] - '0') * 8 + (in[3] - '0'));
      in += 3;
    } else {
      *out++ = *in;
    }
  }
  *out = '\0';
}

typedef struct mount {
  char *device, *mountpoint, *fstype;
  bool readonly;
} mount_t;

static bool parse_mount(char *line, mount_t *m) {
  char *f[6];
  if (eved_fields(line, f, 6) < 4) return false;
  unescape(f[0]);
  unescape(f[1]);
  m->device = f[0];
  m->mountpoint = f[1];
  m->fstype = f[2];
  m->readonly = strcmp(f[3], "ro") == 0 || strncmp(f[3], "ro,", 3) == 0;
  return true;
}

/* The families, in the order they are filled. readonly comes first: every
 * mount kept has it, so its samples hold the labels (copied into the set)
 * that the other families then reuse. */
enum { READONLY, SIZE, FREE, AVAIL, FILES, FILES_FREE, DEVICE_ERROR, FAMILIES };
static const struct {
  const char *name, *help;
} families[FAMILIES] = {
    {"node_filesystem_readonly", "Filesystem read-only status."},
    {"node_filesystem_size_bytes", "Filesystem size in bytes."},
    {"node_filesystem_free_bytes", "Filesystem free space in bytes."},
    {"node_filesystem_avail_bytes", "Filesystem space available to non-root users in bytes."},
    {"node_filesystem_files", "Filesystem total file nodes."},
    {"node_filesystem_files_free", "Filesystem total free file nodes."},
    {"node_filesystem_device_error", "Whether an error occurred while getting statistics for the given device."},
};

#define MOUNTS_MAX 512

/* One kept mount's statvfs figures, by family (SIZE .. FILES_FREE). */
typedef struct figures {
  double value[FAMILIES];
  bool failed;
} figures_t;

/* Whether an earlier line had the same labels (a filesystem mounted twice
 * at one place): node_exporter keeps the first. */
static bool seen_before(const eved_metric_set_t *set, const eved_metric_family_t *f,
                        const mount_t *m) {
  for (size_t i = 0; i < f->sample_count; i++) {
    const eved_metric_sample_t *s = &set->samples[f->first_sample + i];
    if (strcmp(s->label_values[0], m->device) == 0 && strcmp(s->label_values[1], m->fstype) == 0 &&
        strcmp(s->label_values[2], m->mountpoint) == 0)
      return true;
  }
  return false;
}

static void measure(const char *mountpoint, figures_t *out) {
  struct statvfs v;
  memset(&v, 0, sizeof v);
  out->failed = statvfs(mountpoint, &v) != 0;
  double block = (double)v.f_frsize;
  out->value[SIZE] = (double)v.f_blocks * block;
  out->value[FREE] = (double)v.f_bfree * block;
  out->value[AVAIL] = (double)v.f_bavail * block;
  out->value[FILES] = (double)v.f_files;
  out->value[FILES_FREE] = (double)v.f_ffree;
}

/* One read of the mount table and one statvfs per kept mount per scrape
 * (reading /proc/<pid>/mounts is most of a scrape's cost: the kernel
 * formats and escapes every line). The readonly family is filled as the
 * table is read; the others are then written from its samples' labels and
 * the figures kept here. */
static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  (void)args;
  /* node_exporter reads PID 1's table (the host's, from a container with
   * the host's /proc); the process's own is the fallback. */
  const char *path = "/proc/1/mounts";
  eved_lines_t r;
  if (eved_lines_open(&r, path) != 0) {
    path = "/proc/self/mounts";
    if (eved_lines_open(&r, path) != 0) {
      snprintf(error, error_size, "%s: cannot open", path);
      return -1;
    }
  }
  figures_t figures[MOUNTS_MAX];
  size_t kept = 0;
  eved_metric_family(set, families[READONLY].name, EVED_METRIC_GAUGE, families[READONLY].help);
  eved_metric_family_t *ro = set->family_count > 0 && !set->refusing
                                 ? &set->families[set->family_count - 1]
                                 : NULL;
  for (char *line; (line = eved_lines_next(&r)) != NULL;) {
    mount_t m;
    if (r.truncated || !parse_mount(line, &m)) {
      eved_metric_set_error(set);
      continue;
    }
    if (excluded(m.mountpoint, m.fstype) || ro == NULL || seen_before(set, ro, &m)) continue;
    eved_label_t labels[] = {{"device", m.device}, {"fstype", m.fstype},
                             {"mountpoint", m.mountpoint}};
    /* A mount beyond the table, or whose labels the set cannot hold, is
     * dropped from every family; the set counts its readonly sample, and
     * the other families' are counted here. */
    if (kept == MOUNTS_MAX || !eved_metric_sample(set, m.readonly ? 1 : 0, 3, labels)) {
      if (kept == MOUNTS_MAX) set->dropped++;
      set->dropped += FAMILIES - 1;
      continue;
    }
    measure(m.mountpoint, &figures[kept]);
    /* A filesystem that does not answer has only device_error and
     * readonly, as in node_exporter. */
    if (figures[kept].failed) eved_metric_set_error(set);
    kept++;
  }
  eved_lines_close(&r);
  for (int family = SIZE; family < FAMILIES; family++) {
    eved_metric_family(set, families[family].name, EVED_METRIC_GAUGE, families[family].help);
    for (size_t i = 0; i < kept; i++) {
      if (figures[i].failed && family != DEVICE_ERROR) continue;
      /* ro's samples were all added before this family started, so
       * ro->first_sample + i still names mount i's. */
      const eved_metric_sample_t *s = &set->samples[ro->first_sample + i];
      eved_label_t labels[] = {{"device", s->label_values[0]},
                               {"fstype", s->label_values[1]},
                               {"mountpoint", s->label_values[2]}};
      double value = family == DEVICE_ERROR ? (figures[i].failed ? 1 : 0)
                                            : figures[i].value[family];
      eved_metric_sample(set, value, 3, labels);
    }
  }
  return 0;
}

/* The names this collector's families start with (collector.h). */
static const char *const namespaces[] = {"node_filesystem_", NULL};

/* Seven families of up to 512 filesystems. */
const eved_collector_t eved_filesystem_collector = {.name = "filesystem",
                                                   .collect = collect,
                                                   .families = FAMILIES,
                                                   .samples = FAMILIES * 512,
                                                   .string_bytes = 512 * 1024,
                                                   .namespaces = namespaces};
