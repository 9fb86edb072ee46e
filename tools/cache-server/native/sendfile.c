/*
 * sendfile(2) for the cache server's GETs: the kernel moves an entry's pages from the page cache to
 * the socket, with no copy through the process (read into a buffer, then write it out) and no
 * buffer for the garbage collector. Node has no sendfile for sockets; nginx serves files this way.
 *
 * The JavaScript side (src/sendfile.ts) drives it:
 *   cork(socketFd, on): TCP_CORK, so the response's head (written by Node) leaves with the first
 *     pages in full segments; uncorking sends what is held.
 *   send(socketFd | handle, fileFd, offset, length) -> bytes the socket took now (never blocks on
 *     the socket). On a bare descriptor only while the caller knows the socket is open: the call
 *     is synchronous, so it cannot be closed under it.
 *   open(socketFd) -> handle: for what outlives one call (waiting, the thread pool), a handle over
 *     the transfer's own duplicate of the descriptor, so that it never writes to a number the
 *     socket's owner has closed and the kernel has given to another file.
 *   sendAsync(handle, fileFd, offset, length, callback(error, bytes)): send in the thread pool, for
 *     an entry whose pages are not in memory (the read from the disk then blocks)
 *   wait(handle, callback(error)): calls back once the socket takes bytes again (libuv's poll on
 *     the duplicate, so the socket's own watcher is untouched)
 *   close(handle): uncorks and closes the duplicate. A handle with a sendAsync under way is closed
 *     once it has called back (the caller closes the file only then).
 * And, for the PUTs' group commit (src/storage/group-commit.ts):
 *   syncfs(fd, callback(error)): syncfs(2) of the file system holding fd, in the thread pool. The
 *     kernel's writeback workers write the dirty pages and the caller waits: unlike fdatasync,
 *     whose caller writes them itself. One call makes every upload written before it durable.
 * Errors are Error objects with Node's `code` ("EPIPE") and `syscall`; a file that ends early is
 * ENODATA.
 * Built by tools/cache-server/scripts/build-native.mjs against the running Node's headers.
 */
#define _GNU_SOURCE /* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>
#include <uv.h>

typedef struct {
  uv_poll_t poll;
  int fd;
  napi_env env;
  napi_ref callback;
  int polling;
  int busy;
  int close_pending;
  int closed;
  int handle_closed;
  int finalized;
  /* The thread pool's job (sendAsync). */
  napi_async_work work;
  int file;
  int64_t offset;
  int64_t length;
  int64_t sent;
  int error;
} transfer_t;

static napi_value make_error(napi_env env, int code, const char *syscall) {
  napi_value error, message, code_value, syscall_value, errno_value;
  const char *name = uv_err_name(-code);
  char text[256];
  snprintf(text, sizeof text, "%s %s: %s", syscall, name, strerror(code));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code_value);
  napi_create_error(env, code_value, message, &error);
  napi_create_int32(env, -code, &errno_value);
  napi_set_named_property(env, error, "errno", errno_value);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscall_value);
  napi_set_named_property(env, error, "syscall", syscall_value);
  return error;
}

static napi_value throw_error(napi_env env, int code, const char *syscall) {
  napi_throw(env, make_error(env, code, syscall));
  return NULL;
}

static void free_if_done(transfer_t *t) {
  if (t->handle_closed && t->finalized) free(t);
}

static void on_handle_closed(uv_handle_t *handle) {
  transfer_t *t = handle->data;
  t->handle_closed = 1;
  free_if_done(t);
}

static void release(transfer_t *t) {
  if (t->closed) return;
  if (t->busy) {
    t->close_pending = 1;
    return;
  }
  t->closed = 1;
  int off = 0;
  setsockopt(t->fd, IPPROTO_TCP, TCP_CORK, &off, sizeof off);
  if (t->callback) {
    napi_delete_reference(t->env, t->callback);
    t->callback = NULL;
  }
  uv_close((uv_handle_t *)&t->poll, on_handle_closed);
  close(t->fd);
}

static void finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  transfer_t *t = data;
  release(t);
  t->finalized = 1;
  free_if_done(t);
}

/* The arguments, checked: a wrong call is a bug in src/sendfile.ts, reported as a TypeError. */
static transfer_t *get_transfer(napi_env env, napi_value value) {
  transfer_t *t = NULL;
  if (napi_get_value_external(env, value, (void **)&t) != napi_ok || t == NULL) {
    napi_throw_type_error(env, NULL, "expected a handle from open()");
    return NULL;
  }
  return t;
}

static int get_range(napi_env env, napi_value *argv, int32_t *file, int64_t *offset, int64_t *length) {
  if (napi_get_value_int32(env, argv[1], file) != napi_ok || napi_get_value_int64(env, argv[2], offset) != napi_ok ||
      napi_get_value_int64(env, argv[3], length) != napi_ok || *offset < 0 || *length < 0) {
    napi_throw_type_error(env, NULL, "expected a file descriptor, an offset and a length");
    return 0;
  }
  return 1;
}

/* What the socket takes of [offset, offset + length) now. Sets *error on a failure. */
static int64_t send_range(int socket, int file, int64_t offset, int64_t length, int *error) {
  off_t position = offset;
  int64_t sent = 0;
  *error = 0;
  while (sent < length) {
    ssize_t n = sendfile(socket, file, &position, (size_t)(length - sent));
    if (n > 0) {
      sent += n;
    } else if (n == 0) {
      *error = ENODATA; /* the file ended before offset + length */
      break;
    } else if (errno == EINTR) {
      continue;
    } else {
      if (errno != EAGAIN) *error = errno;
      break;
    }
  }
  return sent;
}

static napi_value js_cork(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd;
  bool on;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_bool(env, argv[1], &on) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected the socket's file descriptor and true or false");
    return NULL;
  }
  int value = on ? 1 : 0;
  if (setsockopt(fd, IPPROTO_TCP, TCP_CORK, &value, sizeof value) != 0) return throw_error(env, errno, "setsockopt");
  return NULL;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected the socket's file descriptor");
    return NULL;
  }
  int own = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (own < 0) return throw_error(env, errno, "dup");
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  transfer_t *t = calloc(1, sizeof *t);
  if (t == NULL) {
    close(own);
    return throw_error(env, ENOMEM, "open");
  }
  t->fd = own;
  t->env = env;
  int status = uv_poll_init_socket(loop, &t->poll, own);
  if (status != 0) {
    close(own);
    free(t);
    return throw_error(env, -status, "uv_poll_init_socket");
  }
  t->poll.data = t;
  napi_value handle;
  napi_create_external(env, t, finalize, NULL, &handle);
  return handle;
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int32_t file, socket;
  int64_t offset, length;
  napi_valuetype type;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  napi_typeof(env, argv[0], &type);
  if (type == napi_number) {
    napi_get_value_int32(env, argv[0], &socket);
    if (!get_range(env, argv, &file, &offset, &length)) return NULL;
  } else {
    transfer_t *t = get_transfer(env, argv[0]);
    if (t == NULL || !get_range(env, argv, &file, &offset, &length)) return NULL;
    if (t->closed || t->busy) return throw_error(env, t->closed ? EBADF : EBUSY, "sendfile");
    socket = t->fd;
  }
  int error;
  int64_t sent = send_range(socket, file, offset, length, &error);
  if (error) return throw_error(env, error, "sendfile");
  napi_value result;
  napi_create_int64(env, sent, &result);
  return result;
}

static void call_back(transfer_t *t, napi_value *args, size_t count) {
  napi_env env = t->env;
  napi_value callback, global;
  napi_get_reference_value(env, t->callback, &callback);
  napi_delete_reference(env, t->callback);
  t->callback = NULL;
  napi_get_global(env, &global);
  napi_make_callback(env, NULL, global, callback, count, args, NULL);
}

static void execute_send(napi_env env, void *data) {
  (void)env;
  transfer_t *t = data;
  t->sent = send_range(t->fd, t->file, t->offset, t->length, &t->error);
}

static void complete_send(napi_env env, napi_status status, void *data) {
  transfer_t *t = data;
  napi_delete_async_work(env, t->work);
  t->busy = 0;
  if (status == napi_cancelled) t->error = ECANCELED;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value args[2];
  if (t->error) args[0] = make_error(env, t->error, "sendfile");
  else napi_get_null(env, &args[0]);
  napi_create_int64(env, t->sent, &args[1]);
  call_back(t, args, 2);
  if (t->close_pending) release(t);
  napi_close_handle_scope(env, scope);
}

static napi_value js_send_async(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5], name;
  int32_t file;
  int64_t offset, length;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  transfer_t *t = get_transfer(env, argv[0]);
  if (t == NULL || !get_range(env, argv, &file, &offset, &length)) return NULL;
  if (t->closed || t->busy || t->polling) return throw_error(env, t->closed ? EBADF : EBUSY, "sendfile");
  t->file = file;
  t->offset = offset;
  t->length = length;
  t->sent = 0;
  t->error = 0;
  napi_create_string_utf8(env, "cache-server:sendfile", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, execute_send, complete_send, t, &t->work) != napi_ok)
    return throw_error(env, ENOMEM, "sendfile");
  napi_create_reference(env, argv[4], 1, &t->callback);
  if (napi_queue_async_work(env, t->work) != napi_ok) {
    napi_delete_async_work(env, t->work);
    napi_delete_reference(env, t->callback);
    t->callback = NULL;
    return throw_error(env, ENOMEM, "sendfile");
  }
  t->busy = 1;
  return NULL;
}

static void on_writable(uv_poll_t *handle, int status, int events) {
  (void)events;
  transfer_t *t = handle->data;
  uv_poll_stop(&t->poll);
  t->polling = 0;
  napi_env env = t->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value arg;
  if (status < 0) arg = make_error(env, -status, "poll");
  else napi_get_null(env, &arg);
  call_back(t, &arg, 1);
  napi_close_handle_scope(env, scope);
}

static napi_value js_wait(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  transfer_t *t = get_transfer(env, argv[0]);
  if (t == NULL) return NULL;
  if (t->closed || t->busy || t->polling) return throw_error(env, t->closed ? EBADF : EBUSY, "poll");
  napi_create_reference(env, argv[1], 1, &t->callback);
  int status = uv_poll_start(&t->poll, UV_WRITABLE, on_writable);
  if (status != 0) {
    napi_delete_reference(env, t->callback);
    t->callback = NULL;
    return throw_error(env, -status, "uv_poll_start");
  }
  t->polling = 1;
  return NULL;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  transfer_t *t = get_transfer(env, argv[0]);
  if (t != NULL) release(t);
  return NULL;
}

/* One syncfs call: the descriptor it syncs through and the callback it answers. */
typedef struct {
  napi_async_work work;
  napi_ref callback;
  int fd;
  int error;
} syncfs_t;

static void execute_syncfs(napi_env env, void *data) {
  (void)env;
  syncfs_t *s = data;
  s->error = syncfs(s->fd) == 0 ? 0 : errno;
}

static void complete_syncfs(napi_env env, napi_status status, void *data) {
  syncfs_t *s = data;
  napi_delete_async_work(env, s->work);
  if (status == napi_cancelled) s->error = ECANCELED;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value arg, callback, global;
  if (s->error) arg = make_error(env, s->error, "syncfs");
  else napi_get_null(env, &arg);
  napi_get_reference_value(env, s->callback, &callback);
  napi_delete_reference(env, s->callback);
  free(s);
  napi_get_global(env, &global);
  napi_make_callback(env, NULL, global, callback, 1, &arg, NULL);
  napi_close_handle_scope(env, scope);
}

static napi_value js_syncfs(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], name;
  napi_valuetype type;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t fd;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, NULL, "syncfs(fd, callback): fd must be a descriptor and callback a function");
    return NULL;
  }
  syncfs_t *s = calloc(1, sizeof *s);
  if (s == NULL) return throw_error(env, ENOMEM, "syncfs");
  s->fd = fd;
  napi_create_string_utf8(env, "cache-server:syncfs", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, execute_syncfs, complete_syncfs, s, &s->work) != napi_ok) {
    free(s);
    return throw_error(env, ENOMEM, "syncfs");
  }
  napi_create_reference(env, argv[1], 1, &s->callback);
  if (napi_queue_async_work(env, s->work) != napi_ok) {
    napi_delete_async_work(env, s->work);
    napi_delete_reference(env, s->callback);
    free(s);
    return throw_error(env, ENOMEM, "syncfs");
  }
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor properties[] = {
      {"cork", NULL, js_cork, NULL, NULL, NULL, napi_enumerable, NULL},
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"sendAsync", NULL, js_send_async, NULL, NULL, NULL, napi_enumerable, NULL},
      {"wait", NULL, js_wait, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
      {"syncfs", NULL, js_syncfs, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}
