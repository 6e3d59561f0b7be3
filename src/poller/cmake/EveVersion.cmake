# The one version of eve and eved: the poller's project() and the top
# CMakeLists.txt's both read it, so the library configured on its own and
# the whole tree can never disagree.
set(EVE_PROJECT_VERSION 0.1.0)
