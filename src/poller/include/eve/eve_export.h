/* EVE_API marks the public functions: exported from the shared library
 * (the DLL on Windows), and the only symbols it exports. The library's own
 * build of the shared variant defines EVE_BUILDING_SHARED; a program using
 * eve defines nothing, whichever variant it links: calling a DLL's
 * function through its import library needs no __declspec(dllimport)
 * ("Importing function calls using __declspec(dllimport)", Microsoft C++
 * docs: the attribute only saves one indirect jump). */
#ifndef EVE_EXPORT_H_
#define EVE_EXPORT_H_

#if defined(EVE_BUILDING_SHARED) && defined(_WIN32)
#define EVE_API __declspec(dllexport)
#elif defined(EVE_BUILDING_SHARED) && defined(__GNUC__)
#define EVE_API __attribute__((visibility("default")))
#else
#define EVE_API
#endif

#endif /* EVE_EXPORT_H_ */
