#!/bin/sh
# Runs a program under valgrind memcheck for valgrind_eved.py: any invalid
# access or definite leak makes the exit status 97 (so it cannot be
# mistaken for eved's own statuses); the report goes to standard error,
# which the test keeps with eved's log.
exec valgrind --tool=memcheck --error-exitcode=97 --leak-check=full \
  --errors-for-leak-kinds=definite --show-leak-kinds=definite --track-origins=yes \
  --num-callers=30 "$@"
