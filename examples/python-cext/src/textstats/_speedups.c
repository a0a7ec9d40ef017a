/* The C half of textstats: word counting and a 64-bit FNV-1a hash. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <ctype.h>
#include <stdint.h>

/* count_words(bytes) -> int: runs of non-space bytes. */
static PyObject *count_words(PyObject *self, PyObject *args) {
    const char *s;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "y#", &s, &n)) {
        return NULL;
    }
    long words = 0;
    int in_word = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        if (isspace((unsigned char)s[i])) {
            in_word = 0;
        } else if (!in_word) {
            in_word = 1;
            words++;
        }
    }
    return PyLong_FromLong(words);
}

/* fnv1a(bytes) -> int: the 64-bit FNV-1a hash. */
static PyObject *fnv1a(PyObject *self, PyObject *args) {
    const char *s;
    Py_ssize_t n;
    if (!PyArg_ParseTuple(args, "y#", &s, &n)) {
        return NULL;
    }
    uint64_t h = 14695981039346656037ULL;
    for (Py_ssize_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return PyLong_FromUnsignedLongLong(h);
}

static PyMethodDef methods[] = {
    {"count_words", count_words, METH_VARARGS, "Count the words of a bytes object."},
    {"fnv1a", fnv1a, METH_VARARGS, "The 64-bit FNV-1a hash of a bytes object."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_speedups", NULL, -1, methods};

PyMODINIT_FUNC PyInit__speedups(void) { return PyModule_Create(&module); }
