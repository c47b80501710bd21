/*
 * The record walk of a hardware hash in C: graph_contracts.autopilot._hashwalk.
 *
 * The references are the pure-Python walk_records and sound_records in hash_walk.py; these are
 * the same checks without the interpreter (about 30 records per real hash, each a struct unpack
 * in Python). Property tests (tests/test_hash_walk.py) check that both give the same answers on
 * arbitrary bytes and on mutations of real-layout hashes. SHA-256 and base64 stay in hashlib
 * and pybase64.
 *
 * The layout (hardware-hash.md section 1): 3000 bytes; the magic "OA"; the end offset of the
 * records (uint16 little-endian); from offset 4 up to it, records of a 4-byte header (uint16
 * little-endian type, uint16 little-endian total length, header included) and a value; at the
 * end offset the trailer "CS", its size 36 (uint16) and the SHA-256 of the bytes before it;
 * zeros after it.
 *
 * walk(blob: bytes, end: int) -> tuple[int, int, int] | None
 *   (serial, manufacturer, uuid): the offsets of the first SmbiosSerial (14), SmbiosSystem-
 *   Manufacturer (16) and SmbiosUuid (12) records, uuid 0 when there is none; None when a record
 *   is shorter than its header, the records do not end exactly at `end`, the serial or the
 *   manufacturer record is missing, or a header would lie past the end of `blob`.
 *
 * sound_records(blob: bytes) -> tuple[int, int, int, int] | None
 *   (end, serial, manufacturer, uuid) when the framing above holds (all but the checksum, which
 *   the caller compares with hashlib) and walk(blob, end) finds the records; else None.
 *
 * identity_parts(blob: bytes) -> tuple[bytes, bytes, bytes, bytes, bytes | None] | None
 *   What the fast path reads of a hash sound_records accepts (hash_walk.identity_parts_py is the
 *   reference): the bytes before the trailer (what its SHA-256 covers), the SHA-256 the trailer
 *   carries, the first serial and manufacturer records' values up to their first NUL, and the
 *   first UUID record's 16 bytes (None without one, or when it is shorter); else None.
 *
 * plain_record(line: bytes, separator: str, names: tuple[str, ...]) -> dict[str, str] | None
 *   The CSV reader's lane (csv_lines.plain_record_py is the reference): {names[i]: field i} of a
 *   line that is ASCII, has no '"' and no NUL, splits at `separator` into exactly len(names)
 *   fields and is not blank (some byte is neither the separator nor str.isspace whitespace); else
 *   None. One pass for the ASCII test, memchr for the rest, each field's str made with one copy.
 *
 * probe_rows(slots, digests, kinds, widths, rows, start) -> tuple[list[tuple[int, int, int]], int]
 *   The duplicate table's probes for a block of the lane's rows (duplicates.DigestTable.
 *   first_seen_many is the reference): each row's keys looked up and stored in the open-addressing
 *   table `slots`, which the caller has made room in; (the first known key of each row that has
 *   one, the keys added). Checks that the kinds, widths and digests agree, and stops (ValueError)
 *   rather than loop in a full table.
 *
 * Never reads past the buffer: each header is bounds-checked before it is read, and
 * sound_records reads only a buffer of exactly 3000 bytes, below offsets checked against it.
 * Owns no references except the tuple it returns.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

#define HASH_SIZE 3000
#define HEADER_SIZE 4
#define TRAILER_SIZE 36
#define TYPE_SMBIOS_UUID 12
#define TYPE_SERIAL 14
#define TYPE_MANUFACTURER 16

/* What the padding is compared with (static storage: zero-initialised, read-only). */
static const unsigned char ZEROS[HASH_SIZE];

/* The walk proper: fills the three offsets and returns 1, or returns 0 for no layout. `blob` has
   `size` bytes; `end` is any value (the caller's int, or the header's uint16). */
static int
walk_area(const unsigned char *blob, Py_ssize_t size, long long end,
          Py_ssize_t *serial_out, Py_ssize_t *manufacturer_out, Py_ssize_t *uuid_out)
{
    const long long last_header = (long long)size - HEADER_SIZE; /* the last offset a header fits at */
    Py_ssize_t serial = 0, manufacturer = 0, uuid = 0;
    /* long long, not Py_ssize_t: pos can step up to 65,535 bytes past the buffer before the loop
       test stops it, and `end` may be any int a caller passes. */
    long long pos = HEADER_SIZE;
    int found_all = 0;
    while (pos < end) {
        /* The header is bytes pos..pos+3: past the buffer means no layout (the Python walk's
           struct.error). Signed arithmetic: a buffer under 4 bytes gives a negative last_header. */
        if (pos > last_header) {
            return 0;
        }
        const unsigned int length = (unsigned int)blob[pos + 2] | (unsigned int)blob[pos + 3] << 8;
        if (length < HEADER_SIZE) {
            return 0;
        }
        if (!found_all) {
            /* The type as the Python walk reads it: a uint16, so a nonzero high byte is no wanted type. */
            const unsigned int kind = (unsigned int)blob[pos] | (unsigned int)blob[pos + 1] << 8;
            /* pos <= last_header here, so it fits a Py_ssize_t. */
            if (kind == TYPE_SERIAL) {
                if (!serial) serial = (Py_ssize_t)pos;
            } else if (kind == TYPE_MANUFACTURER) {
                if (!manufacturer) manufacturer = (Py_ssize_t)pos;
            } else if (kind == TYPE_SMBIOS_UUID) {
                if (!uuid) uuid = (Py_ssize_t)pos;
            }
            found_all = serial && manufacturer && uuid;
        }
        /* pos <= last_header and length <= 65,535: no overflow. */
        pos += (long long)length;
    }
    if (pos != end || !serial || !manufacturer) {
        return 0;
    }
    *serial_out = serial;
    *manufacturer_out = manufacturer;
    *uuid_out = uuid;
    return 1;
}

/* walk(blob, end): the records between offset 4 and `end` (hash_walk.walk_records). */
static PyObject *
walk(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "walk() takes 2 positional arguments (%zd given)", nargs);
        return NULL;
    }
    if (!PyBytes_Check(args[0])) {
        PyErr_Format(PyExc_TypeError, "walk() argument 1 must be bytes, not %.100s", Py_TYPE(args[0])->tp_name);
        return NULL;
    }
    if (!PyLong_Check(args[1])) {
        PyErr_Format(PyExc_TypeError, "walk() argument 2 must be int, not %.100s", Py_TYPE(args[1])->tp_name);
        return NULL;
    }
    int overflow = 0;
    const long long end = PyLong_AsLongLongAndOverflow(args[1], &overflow);
    if (end == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (overflow != 0) {
        /* An end beyond any buffer: the walk would run off the bytes (None); one below zero
           never starts, and 4 != end (None). Either way no layout. */
        Py_RETURN_NONE;
    }
    Py_ssize_t serial, manufacturer, uuid;
    if (!walk_area((const unsigned char *)PyBytes_AS_STRING(args[0]), PyBytes_GET_SIZE(args[0]), end,
                   &serial, &manufacturer, &uuid)) {
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(nnn)", serial, manufacturer, uuid);
}

/* The framing of a decoded hash, then its records: fills the four offsets and returns 1, or returns
   0 for no layout. `blob` must have exactly HASH_SIZE bytes (the caller checks). */
static int
sound_area(const unsigned char *blob, Py_ssize_t *end_out, Py_ssize_t *serial, Py_ssize_t *manufacturer,
           Py_ssize_t *uuid)
{
    /* Exactly HASH_SIZE bytes: every index below is then inside the buffer. */
    if (blob[0] != 'O' || blob[1] != 'A') {
        return 0;
    }
    const Py_ssize_t end = (Py_ssize_t)blob[2] | (Py_ssize_t)blob[3] << 8;
    const Py_ssize_t tail = end + TRAILER_SIZE;
    if (end <= HEADER_SIZE || tail > HASH_SIZE) {
        return 0;
    }
    /* The trailer's header: tag "CS", then its size (36) as a uint16 little-endian. */
    if (blob[end] != 'C' || blob[end + 1] != 'S' || blob[end + 2] != TRAILER_SIZE || blob[end + 3] != 0) {
        return 0;
    }
    /* The padding after the trailer: zeros. memcmp, not a loop over the ~2,000 bytes: the C
       library's is vectorised (the loop cost more than the rest of the call). */
    if (memcmp(blob + tail, ZEROS, (size_t)(HASH_SIZE - tail)) != 0) {
        return 0;
    }
    if (!walk_area(blob, HASH_SIZE, end, serial, manufacturer, uuid)) {
        return 0;
    }
    *end_out = end;
    return 1;
}

/* sound_records(blob): the framing of a decoded hash, then its records (hash_walk.sound_records). */
static PyObject *
sound_records(PyObject *module, PyObject *blob_obj)
{
    (void)module;
    if (!PyBytes_Check(blob_obj)) {
        PyErr_Format(PyExc_TypeError, "sound_records() argument must be bytes, not %.100s",
                     Py_TYPE(blob_obj)->tp_name);
        return NULL;
    }
    Py_ssize_t end, serial, manufacturer, uuid;
    if (PyBytes_GET_SIZE(blob_obj) != HASH_SIZE
        || !sound_area((const unsigned char *)PyBytes_AS_STRING(blob_obj), &end, &serial, &manufacturer, &uuid)) {
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(nnnn)", end, serial, manufacturer, uuid);
}

/* The value of the record at `pos` up to its first NUL, as bytes (HashRecord.text before decoding).
   walk_area proved the record lies within the records: pos + length <= end < HASH_SIZE. */
static PyObject *
record_text(const unsigned char *blob, Py_ssize_t pos)
{
    const Py_ssize_t length = (Py_ssize_t)blob[pos + 2] | (Py_ssize_t)blob[pos + 3] << 8;
    const unsigned char *start = blob + pos + HEADER_SIZE;
    const unsigned char *nul = memchr(start, 0, (size_t)(length - HEADER_SIZE));
    return PyBytes_FromStringAndSize((const char *)start, (nul != NULL ? nul : blob + pos + length) - start);
}

/* identity_parts(blob): what hash_fast.fast_identity reads of a sound decoded hash (hash_walk.identity_parts_py). */
static PyObject *
identity_parts(PyObject *module, PyObject *blob_obj)
{
    (void)module;
    if (!PyBytes_Check(blob_obj)) {
        PyErr_Format(PyExc_TypeError, "identity_parts() argument must be bytes, not %.100s",
                     Py_TYPE(blob_obj)->tp_name);
        return NULL;
    }
    const unsigned char *blob = (const unsigned char *)PyBytes_AS_STRING(blob_obj);
    Py_ssize_t end, serial, manufacturer, uuid;
    if (PyBytes_GET_SIZE(blob_obj) != HASH_SIZE || !sound_area(blob, &end, &serial, &manufacturer, &uuid)) {
        Py_RETURN_NONE;
    }
    PyObject *parts = PyTuple_New(5);
    if (parts == NULL) {
        return NULL;
    }
    /* The records (what the checksum covers) and the checksum the trailer carries: end + 36 <= HASH_SIZE. */
    PyTuple_SET_ITEM(parts, 0, PyBytes_FromStringAndSize((const char *)blob, end));
    PyTuple_SET_ITEM(parts, 1, PyBytes_FromStringAndSize((const char *)blob + end + HEADER_SIZE,
                                                         TRAILER_SIZE - HEADER_SIZE));
    PyTuple_SET_ITEM(parts, 2, record_text(blob, serial));
    PyTuple_SET_ITEM(parts, 3, record_text(blob, manufacturer));
    PyObject *uuid_bytes = Py_None;
    if (uuid != 0 && ((Py_ssize_t)blob[uuid + 2] | (Py_ssize_t)blob[uuid + 3] << 8) >= HEADER_SIZE + 16) {
        uuid_bytes = PyBytes_FromStringAndSize((const char *)blob + uuid + HEADER_SIZE, 16);
    } else {
        Py_INCREF(uuid_bytes);
    }
    PyTuple_SET_ITEM(parts, 4, uuid_bytes);
    for (Py_ssize_t i = 0; i < 5; i++) {
        if (PyTuple_GET_ITEM(parts, i) == NULL) { /* a failed allocation above */
            Py_DECREF(parts);
            return NULL;
        }
    }
    return parts;
}

/* ---- One CSV line of the reader's lane (csv_lines.plain_record_py is the reference) ---------- */

/* The ASCII bytes str.strip() removes (str.isspace): tab, LF, VT, FF, CR, the four information
   separators 0x1C-0x1F, and space. */
static int
is_python_space(unsigned char c)
{
    return (c >= 9 && c <= 13) || (c >= 28 && c <= 32);
}

/* 1 when every byte is below 0x80: eight bytes at a time, then the tail. */
static int
all_ascii(const unsigned char *p, Py_ssize_t n)
{
    const unsigned long long high = 0x8080808080808080ULL;
    unsigned long long seen = 0;
    Py_ssize_t i = 0;
    for (; i + 32 <= n; i += 32) {
        unsigned long long a, b, c, d;
        memcpy(&a, p + i, 8);
        memcpy(&b, p + i + 8, 8);
        memcpy(&c, p + i + 16, 8);
        memcpy(&d, p + i + 24, 8);
        seen |= a | b | c | d;
    }
    for (; i + 8 <= n; i += 8) {
        unsigned long long a;
        memcpy(&a, p + i, 8);
        seen |= a;
    }
    if (seen & high) {
        return 0;
    }
    for (; i < n; i++) {
        if (p[i] & 0x80) {
            return 0;
        }
    }
    return 1;
}

/* plain_record(line, separator, names): the dict {names[i]: field i} of a line of ASCII bytes
   without '"' or NUL that splits at `separator` into exactly len(names) fields, not all of them
   empty or whitespace; else None. */
static PyObject *
plain_record(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 3) {
        PyErr_Format(PyExc_TypeError, "plain_record() takes 3 positional arguments (%zd given)", nargs);
        return NULL;
    }
    PyObject *raw = args[0], *sep_obj = args[1], *names = args[2];
    if (!PyBytes_Check(raw)) {
        PyErr_Format(PyExc_TypeError, "plain_record() argument 1 must be bytes, not %.100s", Py_TYPE(raw)->tp_name);
        return NULL;
    }
    if (!PyUnicode_Check(sep_obj)) {
        PyErr_Format(PyExc_TypeError, "plain_record() argument 2 must be str, not %.100s", Py_TYPE(sep_obj)->tp_name);
        return NULL;
    }
    if (!PyTuple_Check(names)) {
        PyErr_Format(PyExc_TypeError, "plain_record() argument 3 must be tuple, not %.100s", Py_TYPE(names)->tp_name);
        return NULL;
    }
#if PY_VERSION_HEX < 0x030C0000
    if (PyUnicode_READY(sep_obj) < 0) {
        return NULL;
    }
#endif
    if (PyUnicode_GET_LENGTH(sep_obj) != 1 || PyUnicode_READ_CHAR(sep_obj, 0) >= 0x80
        || PyUnicode_READ_CHAR(sep_obj, 0) == '"' || PyUnicode_READ_CHAR(sep_obj, 0) == 0) {
        PyErr_SetString(PyExc_ValueError, "plain_record() separator must be one ASCII character other than '\"' and NUL");
        return NULL;
    }
    const unsigned char sep = (unsigned char)PyUnicode_READ_CHAR(sep_obj, 0);
    const Py_ssize_t count = PyTuple_GET_SIZE(names);
    const unsigned char *line = (const unsigned char *)PyBytes_AS_STRING(raw);
    const Py_ssize_t size = PyBytes_GET_SIZE(raw);
    const unsigned char *stop = line + size;

    if (!all_ascii(line, size) || memchr(line, '"', (size_t)size) != NULL || memchr(line, 0, (size_t)size) != NULL) {
        Py_RETURN_NONE;
    }
    /* The fields: exactly count - 1 separators (memchr from one to the next, stopping at one too many). */
    Py_ssize_t separators = 0;
    for (const unsigned char *at = line; (at = memchr(at, sep, (size_t)(stop - at))) != NULL; at++) {
        if (++separators >= count) {
            Py_RETURN_NONE;
        }
    }
    if (separators != count - 1) {
        Py_RETURN_NONE;
    }
    /* Not blank: some byte that is neither a separator nor whitespace (usually the first). */
    Py_ssize_t i = 0;
    while (i < size && (line[i] == sep || is_python_space(line[i]))) {
        i++;
    }
    if (i == size) {
        Py_RETURN_NONE;
    }
    PyObject *record = PyDict_New();
    if (record == NULL) {
        return NULL;
    }
    const unsigned char *start = line;
    for (Py_ssize_t field = 0; field < count; field++) {
        const unsigned char *end = field + 1 < count ? memchr(start, sep, (size_t)(stop - start)) : stop;
        if (end == NULL) { /* cannot happen: the separators were counted above */
            Py_DECREF(record);
            Py_RETURN_NONE;
        }
        /* ASCII checked above: a compact ASCII str, filled with one copy. */
        PyObject *value = PyUnicode_New(end - start, 127);
        if (value == NULL) {
            Py_DECREF(record);
            return NULL;
        }
        memcpy(PyUnicode_DATA(value), start, (size_t)(end - start));
        int failed = PyDict_SetItem(record, PyTuple_GET_ITEM(names, field), value);
        Py_DECREF(value);
        if (failed < 0) {
            Py_DECREF(record);
            return NULL;
        }
        start = end + 1;
    }
    return record;
}

/* ---- The duplicate table's probes for a block of rows (duplicates.DigestTable.first_seen_many) ---- */

/* An unsigned integer of `itemsize` bytes (4 or 8) at index i of a buffer. */
static unsigned long long
item_at(const Py_buffer *view, Py_ssize_t i)
{
    if (view->itemsize == 4) {
        uint32_t v;
        memcpy(&v, (const char *)view->buf + i * 4, 4);
        return v;
    }
    unsigned long long v;
    memcpy(&v, (const char *)view->buf + i * 8, 8);
    return v;
}

/* A buffer of unsigned integers (array codes B, I, L, Q) of one of the item sizes allowed. */
static int
get_unsigned(PyObject *obj, Py_buffer *view, int flags, int sizes, const char *what)
{
    if (PyObject_GetBuffer(obj, view, flags | PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) {
        return 0;
    }
    const char *format = view->format != NULL ? view->format : "B";
    if (format[0] == '@' || format[0] == '=' || format[0] == '<') {
        format++;
    }
    const int size_ok = (view->itemsize == 1 && (sizes & 1)) || (view->itemsize == 4 && (sizes & 4))
                        || (view->itemsize == 8 && (sizes & 8));
    if (!size_ok || format[1] != '\0' || strchr("BILQ", format[0]) == NULL) {
        PyErr_Format(PyExc_TypeError, "probe_rows(): %s must be an array of unsigned integers of a supported size",
                     what);
        PyBuffer_Release(view);
        return 0;
    }
    return 1;
}

/* probe_rows(slots, digests, kinds, widths, rows, start) -> (found, added)

   DigestTable.first_seen_many(digests, [widths[k] for k in kinds], [start + r for r in rows]) on the
   table `slots` (array 'Q': digest, value, digest, value, ...; a power of two of slots), which must
   have room for every digest (the caller reserves it: this never grows the table). `found` lists
   (record, index of its first known key, that key's stored value) for each record with a known
   key; `added` is the number of keys stored. */
static PyObject *
probe_rows(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    (void)module;
    if (nargs != 6) {
        PyErr_Format(PyExc_TypeError, "probe_rows() takes 6 positional arguments (%zd given)", nargs);
        return NULL;
    }
    if (!PyBytes_Check(args[3])) {
        PyErr_Format(PyExc_TypeError, "probe_rows() argument 4 must be bytes, not %.100s", Py_TYPE(args[3])->tp_name);
        return NULL;
    }
    const unsigned long long start = PyLong_AsUnsignedLongLong(args[5]);
    if (start == (unsigned long long)-1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_buffer slots_view, digests_view, kinds_view, rows_view;
    if (!get_unsigned(args[0], &slots_view, PyBUF_WRITABLE, 8, "slots")) {
        return NULL;
    }
    if (!get_unsigned(args[1], &digests_view, 0, 8, "digests")) {
        PyBuffer_Release(&slots_view);
        return NULL;
    }
    if (!get_unsigned(args[2], &kinds_view, 0, 1, "kinds")) {
        PyBuffer_Release(&slots_view);
        PyBuffer_Release(&digests_view);
        return NULL;
    }
    if (!get_unsigned(args[4], &rows_view, 0, 4 | 8, "rows")) {
        PyBuffer_Release(&slots_view);
        PyBuffer_Release(&digests_view);
        PyBuffer_Release(&kinds_view);
        return NULL;
    }
    PyObject *result = NULL, *found = NULL;
    unsigned long long *slots = (unsigned long long *)slots_view.buf;
    const Py_ssize_t slot_items = slots_view.len / 8, digest_count = digests_view.len / 8;
    const Py_ssize_t records = kinds_view.len;
    const unsigned char *kinds = (const unsigned char *)kinds_view.buf;
    const unsigned char *widths = (const unsigned char *)PyBytes_AS_STRING(args[3]);
    const Py_ssize_t patterns = PyBytes_GET_SIZE(args[3]);
    if (slot_items < 2 || (slot_items & (slot_items - 1)) != 0 || rows_view.len / rows_view.itemsize != records) {
        PyErr_SetString(PyExc_ValueError, "probe_rows(): a table of a power of two of slots, a row for each kind");
        goto done;
    }
    /* Every kind names a width, and the widths add up to the digests: no read past either. */
    Py_ssize_t total = 0;
    for (Py_ssize_t i = 0; i < records; i++) {
        if (kinds[i] >= patterns) {
            PyErr_SetString(PyExc_ValueError, "probe_rows(): a kind with no width");
            goto done;
        }
        total += widths[kinds[i]];
    }
    if (total != digest_count) {
        PyErr_SetString(PyExc_ValueError, "probe_rows(): the widths do not add up to the digests");
        goto done;
    }
    found = PyList_New(0);
    if (found == NULL) {
        goto done;
    }
    const unsigned long long mask = (unsigned long long)slot_items - 2; /* an even index: a slot's digest */
    Py_ssize_t at = 0, added = 0;
    for (Py_ssize_t record = 0; record < records; record++) {
        const unsigned long long value = start + item_at(&rows_view, record);
        int hit = 0;
        for (Py_ssize_t index = 0; index < widths[kinds[record]]; index++) {
            unsigned long long key;
            memcpy(&key, (const char *)digests_view.buf + (at + index) * 8, 8);
            unsigned long long slot = (key << 1) & mask;
            Py_ssize_t probes = 0;
            while (slots[slot] != 0 && slots[slot] != key) {
                slot = (slot + 2) & mask;
                if (++probes > slot_items) { /* full: the caller did not reserve (never loops forever) */
                    PyErr_SetString(PyExc_ValueError, "probe_rows(): the table is full");
                    goto done;
                }
            }
            if (slots[slot] != 0) {
                if (!hit) {
                    hit = 1;
                    PyObject *entry = Py_BuildValue("(nnK)", record, index, slots[slot + 1]);
                    if (entry == NULL || PyList_Append(found, entry) < 0) {
                        Py_XDECREF(entry);
                        goto done;
                    }
                    Py_DECREF(entry);
                }
                continue;
            }
            slots[slot] = key;
            slots[slot + 1] = value;
            added++;
        }
        at += widths[kinds[record]];
    }
    result = Py_BuildValue("(On)", found, added);
done:
    Py_XDECREF(found);
    PyBuffer_Release(&slots_view);
    PyBuffer_Release(&digests_view);
    PyBuffer_Release(&kinds_view);
    PyBuffer_Release(&rows_view);
    return result;
}

static PyMethodDef hashwalk_methods[] = {
    {"walk", (PyCFunction)(void (*)(void))walk, METH_FASTCALL,
     "walk(blob, end, /)\n--\n\n"
     "The offsets (serial, manufacturer, uuid) of a hash's first SmbiosSerial, SmbiosSystemManufacturer\n"
     "and SmbiosUuid records (uuid 0 when absent), or None when the records from offset 4 do not end\n"
     "exactly at end, one is shorter than its header, a header lies past the bytes, or the serial or\n"
     "the manufacturer record is missing. The C twin of hash_walk.walk_records."},
    {"sound_records", (PyCFunction)sound_records, METH_O,
     "sound_records(blob, /)\n--\n\n"
     "(end, serial, manufacturer, uuid) of a decoded hash whose framing is sound (3000 bytes, magic\n"
     "'OA', an end offset leaving room for the trailer, the trailer's 'CS' and size, zero padding)\n"
     "and whose records walk() accepts; else None. The checksum is the caller's (hashlib).\n"
     "The C twin of hash_walk.sound_records."},
    {"identity_parts", (PyCFunction)identity_parts, METH_O,
     "identity_parts(blob, /)\n--\n\n"
     "(records, checksum, serial, manufacturer, uuid) of a decoded hash sound_records() accepts: the\n"
     "bytes before the trailer, the SHA-256 the trailer carries, the first serial and manufacturer\n"
     "records' values up to their first NUL, the first UUID record's 16 bytes (None when there is none\n"
     "or it is shorter); else None. The C twin of hash_walk.identity_parts_py.\n"},
    {"probe_rows", (PyCFunction)(void (*)(void))probe_rows, METH_FASTCALL,
     "probe_rows(slots, digests, kinds, widths, rows, start, /)\n--\n\n"
     "DigestTable.first_seen_many(digests, [widths[k] for k in kinds], [start + r for r in rows]) on\n"
     "the table's slots (array 'Q'), which must have room for every digest: (found, keys added).\n"},
    {"plain_record", (PyCFunction)(void (*)(void))plain_record, METH_FASTCALL,
     "plain_record(line, separator, names, /)\n--\n\n"
     "The record {names[i]: field i} of a CSV line (bytes) that is ASCII, holds no '\"' and no NUL,\n"
     "splits at separator (one ASCII character) into exactly len(names) fields and is not blank\n"
     "(some field has more than whitespace); else None. The C twin of csv_lines.plain_record_py."},
    {NULL, NULL, 0, NULL},
};

static PyModuleDef_Slot hashwalk_slots[] = {
#if PY_VERSION_HEX >= 0x030C0000
    /* No module state and no globals: safe in every sub-interpreter. */
    {Py_mod_multiple_interpreters, Py_MOD_PER_INTERPRETER_GIL_SUPPORTED},
#endif
#if PY_VERSION_HEX >= 0x030D0000
    /* Pure function of its arguments, no shared state: fine without the GIL. */
    {Py_mod_gil, Py_MOD_GIL_NOT_USED},
#endif
    {0, NULL},
};

static struct PyModuleDef hashwalk_module = {
    PyModuleDef_HEAD_INIT,
    "_hashwalk",
    "The record walk of a hardware hash in C (see graph_contracts.autopilot.hash_walk).",
    0,
    hashwalk_methods,
    hashwalk_slots,
    NULL,
    NULL,
    NULL,
};

PyMODINIT_FUNC
PyInit__hashwalk(void)
{
    return PyModuleDef_Init(&hashwalk_module);
}
