/* Additions to Mbed TLS's default configuration (include/mbedtls/config.h)
 * for the Windows build, which compiles Debian's mbedtls source package
 * (cmake/Dependencies.cmake includes this through MBEDTLS_USER_CONFIG_FILE,
 * the hook config.h provides for it).
 *
 * MBEDTLS_SSL_ASYNC_PRIVATE: the handshake hands the server's signature to
 * a callback that may finish later (mbedtls_ssl_conf_async_private_cb). A
 * key in the Windows certificate store is used where it lives, through
 * CryptoAPI or CNG, and that may block on a smart card or a TPM: with this,
 * the signature is made on a thread of its own and the event loop goes on
 * (src/tls/store_win.c). Debian's native build leaves it off, and eved's
 * native build needs it not: PEM keys are signed with in memory. */
#define MBEDTLS_SSL_ASYNC_PRIVATE
