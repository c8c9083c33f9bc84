// OpenBLAS's CBLAS interface (also declares openblas_set_num_threads).
#include <cblas.h>
#include <stddef.h>

// LAPACK routines shipped inside libopenblas (Fortran calling convention: every argument by pointer,
// and the hidden lengths of character arguments last). Used for eigenvalues and singular values.
void dgeev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda,
            double *wr, double *wi, double *vl, const int *ldvl, double *vr, const int *ldvr,
            double *work, const int *lwork, int *info, size_t jobvl_len, size_t jobvr_len);
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork,
             int *iwork, int *info, size_t jobz_len);
