/*
 * The record walk of a hardware hash, in C: graph_contracts.autopilot._hashwalk.walk(blob, end).
 *
 * The reference is the pure-Python walk_records in hash_walk.py; this is the same loop without
 * the interpreter (about 30 records per real hash, each a struct unpack in Python). A property
 * test (tests/test_hash_walk.py) checks that both give the same answer on arbitrary bytes and on
 * mutations of real-layout hashes. SHA-256 and base64 stay in hashlib and pybase64.
 *
 * The layout (hardware-hash.md section 1): from offset 4 up to `end`, records of a 4-byte header
 * (uint16 little-endian type, uint16 little-endian total length, header included) and a value.
 *
 * walk(blob: bytes, end: int) -> tuple[int, int, int] | None
 *   (serial, manufacturer, uuid): the offsets of the first SmbiosSerial (14), SmbiosSystem-
 *   Manufacturer (16) and SmbiosUuid (12) records, uuid 0 when there is none; None when a record
 *   is shorter than its header, the records do not end exactly at `end`, the serial or the
 *   manufacturer record is missing, or a header would lie past the end of `blob`.
 *
 * Never reads past the buffer: each header is bounds-checked before it is read. Owns no
 * references except the tuple it returns.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#define HEADER_SIZE 4
#define TYPE_SMBIOS_UUID 12
#define TYPE_SERIAL 14
#define TYPE_MANUFACTURER 16

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
    const unsigned char *blob = (const unsigned char *)PyBytes_AS_STRING(args[0]);
    const Py_ssize_t size = PyBytes_GET_SIZE(args[0]);
    int overflow = 0;
    const long long end_ll = PyLong_AsLongLongAndOverflow(args[1], &overflow);
    if (end_ll == -1 && PyErr_Occurred()) {
        return NULL;
    }
    if (overflow != 0) {
        /* An end beyond any buffer: the walk below would run off the bytes (None); one below
           zero never starts, and 4 != end (None). Either way no layout. */
        Py_RETURN_NONE;
    }
    /* long long, not Py_ssize_t: `end` may be any int the caller passes, and pos can step up to
       65,535 bytes past the buffer before the loop test stops it. */
    const long long end = end_ll;
    const long long last_header = (long long)size - HEADER_SIZE; /* the last offset a header fits at */

    Py_ssize_t serial = 0, manufacturer = 0, uuid = 0;
    long long pos = HEADER_SIZE;
    int found_all = 0;
    while (pos < end) {
        /* The header is bytes pos..pos+3: past the buffer means no layout (the Python walk's
           struct.error). Signed arithmetic: a buffer under 4 bytes gives a negative last_header. */
        if (pos > last_header) {
            Py_RETURN_NONE;
        }
        const unsigned int length = (unsigned int)blob[pos + 2] | (unsigned int)blob[pos + 3] << 8;
        if (length < HEADER_SIZE) {
            Py_RETURN_NONE;
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
        Py_RETURN_NONE;
    }
    return Py_BuildValue("(nnn)", serial, manufacturer, uuid);
}

static PyMethodDef hashwalk_methods[] = {
    {"walk", (PyCFunction)(void (*)(void))walk, METH_FASTCALL,
     "walk(blob, end, /)\n--\n\n"
     "The offsets (serial, manufacturer, uuid) of a hash's first SmbiosSerial, SmbiosSystemManufacturer\n"
     "and SmbiosUuid records (uuid 0 when absent), or None when the records from offset 4 do not end\n"
     "exactly at end, one is shorter than its header, a header lies past the bytes, or the serial or\n"
     "the manufacturer record is missing. The C twin of hash_walk.walk_records."},
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
