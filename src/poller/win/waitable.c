/* EVENT and CONSOLE handles: objects that are signalled rather than read,
 * so neither WSAPoll nor a completion can watch them. The port hears of
 * them through RegisterWaitForSingleObject: the thread pool's wait threads
 * wait (up to 63 objects each, in the kernel) and a tiny callback, run on a
 * pool worker, posts an EVE__KEY_WAITABLE packet. A dedicated wait thread of
 * our own was the other choice: it needs its own 64-object batching, a way
 * to be interrupted on every change, and a thread per poller even when no
 * such handle is ever registered, all of which the pool already does.
 *
 * Why not WT_EXECUTEINWAITTHREAD, which saves the hand-off to a worker:
 * Wine 8.0's wait thread counts such a callback as pending outside the
 * pool's lock (dlls/ntdll/threadpool.c, waitqueue_thread_proc), so an
 * UnregisterWaitEx that meets a signal arriving at that moment unlinks a
 * list entry that was never linked and crashes (tp_object_cancel writes
 * to address 8). The test event_unregister_races_signal hit it in most
 * runs. Later Wine queues every wait callback to a worker, and Windows
 * documents no difference between the two for UnregisterWaitEx: with
 * INVALID_HANDLE_VALUE it "waits for all callback functions to complete
 * before returning" (learn.microsoft.com, UnregisterWaitEx). The worker
 * hand-off costs a thread switch per signal, on a path that carries
 * control events, not traffic.
 *
 * Each wait is one-shot (WT_EXECUTEONLYONCE): the loop decides when to wait
 * again.
 *   - EVENT: reported once when signalled, then re-armed only by
 *     eve_poller_modify. An event is not consumed by being read: a
 *     manual-reset event stays signalled until the caller resets it, so
 *     re-arming on its own would report it on every wait (and spin the pool);
 *     an auto-reset event is reset by the wait that saw it.
 *   - CONSOLE: level-triggered like a socket: readable while input is
 *     waiting. Re-armed at the start of the next wait, after the caller has
 *     had its turn to read; a console wait does not consume the input.
 * Arming first looks with a zero timeout, so a handle that is already
 * signalled is reported by this very wait, with no thread hand-off.
 *
 * Memory: the callback's packet carries the waitable's address, so a
 * waitable unregistered while its packet is on the port is freed only when
 * the packet is taken. */
#include <stdlib.h>

#include "test_hooks.h"
#include "win.h"

static void CALLBACK fired(PVOID context, BOOLEAN timed_out) {
  (void)timed_out; /* INFINITE: never */
  eve__waitable_t *waitable = context;
  atomic_store(&waitable->posted, true);
  /* Fails only if the port is gone (dispose waits for this callback first)
   * or memory ran out. The one-shot wait is spent either way: the next
   * arm (modify) unregisters it and waits anew. */
  if (EVE__TEST_TAKE(failing_waitable_posts) ||
      !PostQueuedCompletionStatus(waitable->port, 0, (ULONG_PTR)EVE__KEY_WAITABLE,
                                  (LPOVERLAPPED)waitable)) {
    atomic_store(&waitable->lost, true);
    atomic_store(&waitable->posted, false);
    EVE__TEST_COUNT(lost_waitable_posts);
  }
}

/* Ends the pool's wait; returns once its callback, if running, is done. */
static void disarm(eve__waitable_t *waitable) {
  if (waitable->wait == NULL) return;
  UnregisterWaitEx(waitable->wait, INVALID_HANDLE_VALUE);
  waitable->wait = NULL;
  atomic_store(&waitable->lost, false);
}

static void waitable_free(eve_poller_t *poller, eve__waitable_t *waitable) {
  eve__watch_disown(poller, waitable);
  free(waitable);
}

static void signalled(eve_poller_t *poller, eve__waitable_t *waitable) {
  waitable->ready |= EVE_EV_IN;
  eve__watch_move(poller, &waitable->watch, EVE__ON_READY);
}

static int arm(eve_poller_t *poller, eve__waitable_t *waitable) {
  if (atomic_load(&waitable->posted)) return EVE_OK; /* its packet reports it */
  if (waitable->wait != NULL) {
    if (!atomic_load(&waitable->lost)) return EVE_OK; /* still waiting */
    disarm(waitable);
  }
  if (!(waitable->interest & EVE_INTEREST_READ)) return EVE_OK;
  switch (WaitForSingleObject(waitable->handle, 0)) {
    case WAIT_OBJECT_0:
      signalled(poller, waitable);
      return EVE_OK;
    case WAIT_TIMEOUT:
      break;
    default:
      return eve_error_from_os((long)GetLastError());
  }
  if (!RegisterWaitForSingleObject(&waitable->wait, waitable->handle, fired, waitable, INFINITE,
                                   WT_EXECUTEONLYONCE | WT_EXECUTEDEFAULT)) {
    waitable->wait = NULL;
    return eve_error_from_os((long)GetLastError());
  }
  return EVE_OK;
}

int eve__waitable_register(eve_poller_t *poller, eve__registration_t *reg) {
  eve__waitable_t *waitable = calloc(1, sizeof *waitable);
  if (waitable == NULL) return EVE_ENOMEM;
  waitable->watch.kind = EVE__WATCH_WAITABLE;
  eve__list_init(&waitable->watch.link);
  if (eve__watch_own(poller, waitable, EVE__WATCH_WAITABLE) < 0) {
    free(waitable);
    return EVE_ENOMEM;
  }
  waitable->handle = (HANDLE)reg->handle;
  waitable->port = poller->port;
  waitable->type = reg->type;
  waitable->interest = reg->interest;
  waitable->user_data = reg->user_data;
  int rc = arm(poller, waitable);
  if (rc < 0) {
    eve__watch_move(poller, &waitable->watch, EVE__ON_NONE);
    waitable_free(poller, waitable);
    return rc;
  }
  reg->state = waitable;
  return EVE_OK;
}

void eve__waitable_modify(eve_poller_t *poller, eve__waitable_t *waitable) {
  if (!(waitable->interest & EVE_INTEREST_READ)) {
    disarm(waitable);
    return;
  }
  /* Already reported or about to be (on the ready list, or its packet on
   * the port): that report carries the new user data. Otherwise re-arm. */
  if (waitable->watch.where == EVE__ON_READY) return;
  if (arm(poller, waitable) < 0) {
    waitable->ready |= EVE_EV_ERR;
    eve__watch_move(poller, &waitable->watch, EVE__ON_READY);
  }
}

void eve__waitable_unregister(eve_poller_t *poller, eve__waitable_t *waitable) {
  eve__watch_move(poller, &waitable->watch, EVE__ON_NONE);
  disarm(waitable);
  if (!atomic_load(&waitable->posted)) {
    waitable_free(poller, waitable);
    return;
  }
  waitable->deleted = true;
  poller->zombies++;
}

void eve__waitable_fired(eve_poller_t *poller, eve__waitable_t *waitable) {
  atomic_store(&waitable->posted, false);
  if (waitable->deleted) {
    waitable_free(poller, waitable);
    poller->zombies--;
    return;
  }
  /* The one-shot wait is over, but its registration lives until this. */
  disarm(waitable);
  if (waitable->interest & EVE_INTEREST_READ) signalled(poller, waitable);
}

void eve__waitable_rearm(eve_poller_t *poller, eve__waitable_t *waitable) {
  if (arm(poller, waitable) < 0) {
    waitable->ready |= EVE_EV_ERR;
    eve__watch_move(poller, &waitable->watch, EVE__ON_READY);
  }
}

void eve__waitable_reported(eve_poller_t *poller, eve__waitable_t *waitable) {
  if (waitable->type == EVE_HANDLE_CONSOLE)
    eve__watch_move(poller, &waitable->watch, EVE__ON_REARM);
}
