/* eved's version: the CMake project version, passed in by the build. */
#ifndef EVED_VERSION_H_
#define EVED_VERSION_H_

#ifndef EVED_VERSION
#define EVED_VERSION "0.0.0"
#endif

#endif /* EVED_VERSION_H_ */
