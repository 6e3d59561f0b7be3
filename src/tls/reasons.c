/* Mbed TLS's handshake errors, sorted into the reasons an operator can act
 * on (eved_tls_handshake_errors_total{reason}). The codes are Mbed TLS
 * 2.28's (include/mbedtls/ssl.h, net_sockets.h, x509.h). */
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509.h>

#include "tls_int.h"

eved_tls_error_t eved__tls_reason(int e) {
  switch (e) {
    case MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION:
      return EVED_TLS_ERROR_PROTOCOL_VERSION;
    case MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN:
    case MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE:
      return EVED_TLS_ERROR_NO_SHARED_CIPHER;
    case MBEDTLS_ERR_SSL_NO_CLIENT_CERTIFICATE:
    case MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE:
    case MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE_VERIFY:
    case MBEDTLS_ERR_SSL_PEER_VERIFY_FAILED:
    case MBEDTLS_ERR_X509_CERT_VERIFY_FAILED:
      return EVED_TLS_ERROR_CLIENT_CERT;
    /* The client went away, or gave up with an alert of its own (a
     * client that does not trust eved's certificate sends one). */
    case MBEDTLS_ERR_SSL_CONN_EOF:
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
    case MBEDTLS_ERR_NET_CONN_RESET:
    case MBEDTLS_ERR_NET_RECV_FAILED:
    case MBEDTLS_ERR_NET_SEND_FAILED:
      return EVED_TLS_ERROR_PEER_CLOSED;
    case MBEDTLS_ERR_SSL_INVALID_RECORD:
    case MBEDTLS_ERR_SSL_INVALID_MAC:
    case MBEDTLS_ERR_SSL_BAD_HS_CLIENT_HELLO:
    case MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE:
    case MBEDTLS_ERR_SSL_UNEXPECTED_RECORD:
    case MBEDTLS_ERR_SSL_BAD_INPUT_DATA:
    case MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE:
    case MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE_RP:
    case MBEDTLS_ERR_SSL_BAD_HS_CLIENT_KEY_EXCHANGE_CS:
    case MBEDTLS_ERR_SSL_BAD_HS_FINISHED:
    case MBEDTLS_ERR_SSL_BAD_HS_CHANGE_CIPHER_SPEC:
      return EVED_TLS_ERROR_MALFORMED;
    case MBEDTLS_ERR_SSL_HW_ACCEL_FAILED:
      return EVED_TLS_ERROR_SIGNING;
    default:
      return EVED_TLS_ERROR_OTHER;
  }
}
