/* SipHash-2-4 as the paper specifies it (section 2): the key and the
 * message read as little-endian 64-bit words, the last word carrying the
 * length's low byte; two compression rounds per word, four to finish. */
#include "siphash.h"

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static uint64_t read_le(const unsigned char *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
  return v;
}

static void round_(uint64_t v[4]) {
  v[0] += v[1];
  v[1] = ROTL(v[1], 13);
  v[1] ^= v[0];
  v[0] = ROTL(v[0], 32);
  v[2] += v[3];
  v[3] = ROTL(v[3], 16);
  v[3] ^= v[2];
  v[0] += v[3];
  v[3] = ROTL(v[3], 21);
  v[3] ^= v[0];
  v[2] += v[1];
  v[1] = ROTL(v[1], 17);
  v[1] ^= v[2];
  v[2] = ROTL(v[2], 32);
}

uint64_t eved_siphash24(const unsigned char key[16], const void *data, size_t len) {
  const unsigned char *in = data;
  uint64_t k0 = read_le(key, 8), k1 = read_le(key + 8, 8);
  uint64_t v[4] = {k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
                   k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull};
  size_t whole = len - len % 8;
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m = read_le(in + i, 8);
    v[3] ^= m;
    round_(v);
    round_(v);
    v[0] ^= m;
  }
  uint64_t last = read_le(in + whole, len % 8) | (uint64_t)(len & 0xff) << 56;
  v[3] ^= last;
  round_(v);
  round_(v);
  v[0] ^= last;
  v[2] ^= 0xff;
  for (int i = 0; i < 4; i++) round_(v);
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}
