/* net on Windows: traffic, errors, link speed and state per network
 * adapter. The adapters come from GetAdaptersAddresses (into a buffer this
 * file keeps, so a steady scrape allocates nothing; GetIfTable2 would
 * allocate its table on every call) and each one's counters from
 * GetIfEntry2, the 64-bit MIB_IF_ROW2 figures perflib's "Network
 * Interface" object reports. GetAdaptersAddresses lists adapters only,
 * not the NDIS filter and lower-layer interfaces GetIfTable2 adds, which
 * is also what that perflib object lists.
 *
 * Names and the nic label: windows_exporter 0.30's net collector. Its nic
 * is the perflib instance name: the adapter's description with "(" and ")"
 * turned into "[" and "]" and "#", "/" and "\" into "_". */
#include <winsock2.h>
#include <ws2ipdef.h> /* before iphlpapi.h: MIB_IF_ROW2 and GetIfEntry2 need it */
#include <windows.h>
#include <iphlpapi.h>
#include <netioapi.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collectors_win.h"
#include "text_win.h"

#define NICS_MAX 128
/* A description or friendly name in UTF-8: MAX_ADAPTER_DESCRIPTION_LENGTH
 * and IF_MAX_STRING_SIZE are 128 and 256 characters. */
#define NIC_TEXT_MAX 512
/* GetAdaptersAddresses' buffer grows to fit, up to this. */
#define ADAPTERS_BYTES_MAX (4u << 20)

typedef struct nic {
  char name[NIC_TEXT_MAX];
  char friendly[NIC_TEXT_MAX];
  char mac[3 * 8];
  ULONG64 in_octets, out_octets, in_packets, out_packets;
  ULONG64 in_errors, out_errors, in_discards, out_discards, in_unknown, out_queue;
  ULONG64 speed_bits; /* transmit link speed, bits per second */
  IF_OPER_STATUS status;
} nic_t;

/* Per thread, not per process: a thread abandoned in a hung call may
 * still be inside collect() while its replacement runs (collector.h). */
static _Thread_local nic_t nics[NICS_MAX];
static _Thread_local unsigned char *adapters;
static _Thread_local ULONG adapters_size;

/* RFC 2863 ifOperStatus, as windows_exporter names the values. */
static const struct {
  IF_OPER_STATUS status;
  const char *name;
} oper_names[] = {
    {IfOperStatusUp, "up"},           {IfOperStatusDown, "down"},
    {IfOperStatusTesting, "testing"}, {IfOperStatusUnknown, "unknown"},
    {IfOperStatusDormant, "dormant"}, {IfOperStatusNotPresent, "not present"},
    {IfOperStatusLowerLayerDown, "lower layer down"},
};

/* Fills `adapters`: 1, or 0 when the system has no adapters, or -1 with
 * the reason. */
static int list_adapters(char *error, size_t error_size) {
  const ULONG flags = GAA_FLAG_SKIP_UNICAST | GAA_FLAG_SKIP_ANYCAST | GAA_FLAG_SKIP_MULTICAST |
                      GAA_FLAG_SKIP_DNS_SERVER;
  for (int attempt = 0; attempt < 4; attempt++) {
    if (adapters == NULL) {
      /* Microsoft Learn's GetAdaptersAddresses page suggests starting at
       * 15 KB. */
      adapters_size = 15 * 1024;
      adapters = malloc(adapters_size);
      if (adapters == NULL) break;
    }
    ULONG size = adapters_size;
    ULONG rc = GetAdaptersAddresses(AF_UNSPEC, flags, NULL, (IP_ADAPTER_ADDRESSES *)adapters, &size);
    if (rc == ERROR_SUCCESS) return 1;
    if (rc == ERROR_NO_DATA) return 0;
    if (rc != ERROR_BUFFER_OVERFLOW || size > ADAPTERS_BYTES_MAX) {
      snprintf(error, error_size, "GetAdaptersAddresses: error %lu (%lu bytes wanted)",
               (unsigned long)rc, (unsigned long)size);
      return -1;
    }
    /* The set of adapters grew: grow the buffer, with room to spare. */
    ULONG grown = size + size / 4 > ADAPTERS_BYTES_MAX ? ADAPTERS_BYTES_MAX : size + size / 4;
    unsigned char *p = realloc(adapters, grown);
    if (p == NULL) break;
    adapters = p;
    adapters_size = grown;
  }
  snprintf(error, error_size, "GetAdaptersAddresses: no buffer that fits");
  return -1;
}

/* windows_exporter's (perflib's) instance name from the description. */
static void perflib_name(char *s) {
  for (; *s != '\0'; s++) {
    if (*s == '(') *s = '[';
    else if (*s == ')') *s = ']';
    else if (*s == '#' || *s == '/' || *s == '\\') *s = '_';
  }
}

static bool taken(size_t count, const char *name) {
  for (size_t i = 0; i < count; i++)
    if (strcmp(nics[i].name, name) == 0) return true;
  return false;
}

static size_t scan(eved_metric_set_t *set) {
  size_t count = 0;
  for (IP_ADAPTER_ADDRESSES *a = (IP_ADAPTER_ADDRESSES *)adapters; a != NULL; a = a->Next) {
    if (count == NICS_MAX) {
      eved_metric_set_error(set);
      break;
    }
    nic_t *n = &nics[count];
    if (!eved_utf8_from_wide(a->Description, -1, n->name, sizeof n->name) ||
        !eved_utf8_from_wide(a->FriendlyName, -1, n->friendly, sizeof n->friendly)) {
      eved_metric_set_error(set);
      continue;
    }
    perflib_name(n->name);
    /* Two adapters with one description would be two series with the same
     * labels; Windows numbers duplicates ("#2"), so this is rare. */
    if (n->name[0] == '\0' || taken(count, n->name)) {
      eved_metric_set_error(set);
      continue;
    }
    MIB_IF_ROW2 row;
    memset(&row, 0, sizeof row);
    row.InterfaceLuid = a->Luid;
    if (GetIfEntry2(&row) != NO_ERROR) {
      eved_metric_set_error(set); /* gone since the list was taken */
      continue;
    }
    size_t m = 0;
    for (ULONG i = 0; i < row.PhysicalAddressLength && i < 8; i++)
      m += (size_t)snprintf(n->mac + m, sizeof n->mac - m, i ? ":%02X" : "%02X",
                            row.PhysicalAddress[i]);
    n->mac[m] = '\0';
    n->in_octets = row.InOctets;
    n->out_octets = row.OutOctets;
    n->in_packets = row.InUcastPkts + row.InNUcastPkts;
    n->out_packets = row.OutUcastPkts + row.OutNUcastPkts;
    n->in_errors = row.InErrors;
    n->out_errors = row.OutErrors;
    n->in_discards = row.InDiscards;
    n->out_discards = row.OutDiscards;
    n->in_unknown = row.InUnknownProtos;
    n->out_queue = row.OutQLen;
    n->speed_bits = row.TransmitLinkSpeed;
    n->status = row.OperStatus;
    count++;
  }
  return count;
}

/* One family of a per-nic figure, read through `value`. */
static void family(eved_metric_set_t *set, size_t count, const char *name,
                   eved_metric_type_t type, const char *help, double (*value)(const nic_t *)) {
  eved_metric_family(set, name, type, help);
  for (size_t i = 0; i < count; i++) {
    eved_label_t labels[] = {{"nic", nics[i].name}};
    eved_metric_sample(set, value(&nics[i]), 1, labels);
  }
}

static double bytes_received(const nic_t *n) { return (double)n->in_octets; }
static double bytes_sent(const nic_t *n) { return (double)n->out_octets; }
static double bytes_total(const nic_t *n) { return (double)(n->in_octets + n->out_octets); }
static double packets_received(const nic_t *n) { return (double)n->in_packets; }
static double packets_sent(const nic_t *n) { return (double)n->out_packets; }
static double packets_total(const nic_t *n) { return (double)(n->in_packets + n->out_packets); }
static double received_errors(const nic_t *n) { return (double)n->in_errors; }
static double received_discarded(const nic_t *n) { return (double)n->in_discards; }
static double received_unknown(const nic_t *n) { return (double)n->in_unknown; }
static double outbound_errors(const nic_t *n) { return (double)n->out_errors; }
static double outbound_discarded(const nic_t *n) { return (double)n->out_discards; }
static double output_queue(const nic_t *n) { return (double)n->out_queue; }
/* perflib's Current Bandwidth is bits per second; windows_exporter
 * divides by 8. An unknown speed is ULONG64's maximum: report 0. */
static double bandwidth(const nic_t *n) {
  return n->speed_bits == (ULONG64)-1 ? 0 : (double)n->speed_bits / 8;
}

static int collect(const eved_collect_args_t *args, eved_metric_set_t *set, char *error,
                   size_t error_size) {
  (void)args;
  int listed = list_adapters(error, error_size);
  if (listed < 0) return -1;
  size_t count = listed ? scan(set) : 0;
  const eved_metric_type_t C = EVED_METRIC_COUNTER, G = EVED_METRIC_GAUGE;
  family(set, count, "windows_net_bytes_received_total", C, "Total bytes received by interface",
         bytes_received);
  family(set, count, "windows_net_bytes_sent_total", C, "Total bytes transmitted by interface",
         bytes_sent);
  family(set, count, "windows_net_bytes_total", C,
         "Total bytes received and transmitted by interface", bytes_total);
  family(set, count, "windows_net_packets_received_total", C,
         "Total packets received by interface", packets_received);
  family(set, count, "windows_net_packets_sent_total", C, "Total packets transmitted by interface",
         packets_sent);
  family(set, count, "windows_net_packets_total", C,
         "Total packets received and transmitted by interface", packets_total);
  family(set, count, "windows_net_packets_received_errors_total", C,
         "Total packets that could not be received due to errors", received_errors);
  family(set, count, "windows_net_packets_received_discarded_total", C,
         "Total inbound packets that were chosen to be discarded even though no errors had been "
         "detected to prevent delivery",
         received_discarded);
  family(set, count, "windows_net_packets_received_unknown_total", C,
         "Total packets received by interface that were discarded because of an unknown or "
         "unsupported protocol",
         received_unknown);
  family(set, count, "windows_net_packets_outbound_errors_total", C,
         "Total packets that could not be transmitted due to errors", outbound_errors);
  family(set, count, "windows_net_packets_outbound_discarded_total", C,
         "Total outbound packets that were chosen to be discarded even though no errors had been "
         "detected to prevent transmission",
         outbound_discarded);
  family(set, count, "windows_net_output_queue_length_packets", G,
         "Length of the output packet queue, in packets", output_queue);
  family(set, count, "windows_net_current_bandwidth_bytes", G,
         "Estimate of the interface's current bandwidth in bytes per second", bandwidth);

  eved_metric_family(set, "windows_net_nic_info", G,
                     "A metric with a constant '1' value labeled with the network interface's "
                     "general information.");
  for (size_t i = 0; i < count; i++) {
    eved_label_t labels[] = {
        {"nic", nics[i].name}, {"friendly_name", nics[i].friendly}, {"mac", nics[i].mac}};
    eved_metric_sample(set, 1, 3, labels);
  }
  eved_metric_family(set, "windows_net_nic_operation_status", G,
                     "The operational status for the interface as defined in RFC 2863 as "
                     "IfOperStatus.");
  for (size_t i = 0; i < count; i++) {
    for (size_t s = 0; s < sizeof oper_names / sizeof oper_names[0]; s++) {
      eved_label_t labels[] = {{"nic", nics[i].name}, {"status", oper_names[s].name}};
      eved_metric_sample(set, nics[i].status == oper_names[s].status ? 1 : 0, 2, labels);
    }
  }
  return 0;
}

/* The names this collector's families start with (collector.h). */
static const char *const namespaces[] = {"windows_net_", NULL};

const eved_collector_t eved_collector_net = {
    .name = "net", .collect = collect, .namespaces = namespaces};
