// Synchronized batch norm over MPI: each rank holds a slice of one batch, the ranks exchange
// per-channel partial statistics (forward) and gradient sums (backward), and together they
// compute exactly what one process computes on the whole batch. Rank 0 checks that.
//
//   mpirun -n 4 --oversubscribe build/host/examples/sync_bn_mpi/sync_bn_mpi
//
// Partials are exchanged with MPI_Allgather and combined on every rank in rank order, so all
// ranks hold bit-identical global statistics (an MPI_Allreduce with a user op would give each
// rank a possibly different reduction order). Tolerance against the single process: every
// output within 4 FLT_EPSILON of its scale (y, dx, statistics: 1 + |value|; dgamma, dbeta: the
// sum of their terms' magnitudes), the worst printed.
#include <mpi.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

#include "bnkit/bnkit.h"

namespace {

constexpr std::size_t N = 12, C = 5, H = 3, W = 4, HW = H * W;  // global batch: NCHW [12, 5, 3, 4]
constexpr float eps = 1e-3f;
constexpr double momentum = 0.9;
constexpr double tolerance_ulps = 4.0;

bnkit_bn_desc describe(std::size_t rows) {
    bnkit_bn_desc d{};
    const std::size_t dims[4] = {rows, C, H, W};
    const int32_t axis = 1;
    if (bnkit_bn_desc_init(&d, 4, dims, 1, &axis) != BNKIT_OK) MPI_Abort(MPI_COMM_WORLD, 2);
    return d;
}

void ok(bnkit_status s, const char* what) {
    if (s == BNKIT_OK) return;
    std::fprintf(stderr, "%s: %s\n", what, bnkit_status_str(s));
    MPI_Abort(MPI_COMM_WORLD, 2);
}

// Worst |a - b| in units of FLT_EPSILON * scale(i).
template <class Scale>
double worst_ulps(const float* a, const float* b, std::size_t n, Scale scale) {
    double w = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const double e = std::fabs(static_cast<double>(a[i]) - b[i]) / (1.1920929e-7 * scale(i));
        w = e > w ? e : w;
    }
    return w;
}

}  // namespace

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);

    // Every rank generates the same global batch (seeded, bnkit/random.h) and keeps its rows.
    std::vector<float> x(N * C * HW), dy(N * C * HW), gamma(C), beta(C);
    const bnkit_rng data{2024, 0}, grads{2024, 1}, g_init{7, 0}, b_init{8, 0};
    ok(bnkit_random_normal_f32(&data, 0.5f, 2.0f, x.data(), x.size()), "x");
    ok(bnkit_random_normal_f32(&grads, 0.0f, 1.0f, dy.data(), dy.size()), "dy");
    ok(bnkit_random_normal_f32(&g_init, 1.0f, 0.1f, gamma.data(), C), "gamma");
    ok(bnkit_random_uniform_f32(&b_init, -0.5f, 0.5f, beta.data(), C), "beta");
    const std::size_t row0 = N * static_cast<std::size_t>(rank) / ranks, row1 = N * (rank + 1u) / ranks;
    const std::size_t rows = row1 - row0, off = row0 * C * HW, local = rows * C * HW;
    if (rows == 0) MPI_Abort(MPI_COMM_WORLD, 2);  // more ranks than samples
    const bnkit_bn_desc desc = describe(rows);
    std::vector<unsigned char> ws(BNKIT_BN_WORKSPACE_BYTES(C));
    const bnkit_buffer workspace{ws.data(), ws.size()};

    // Forward 1: local partial statistics, gathered, merged in rank order.
    std::uint64_t count = 0;
    std::vector<float> mean(C), m2(C);
    ok(bnkit_bn_stats_f32(&desc, x.data() + off, &count, mean.data(), m2.data(), workspace), "stats");
    std::vector<std::uint64_t> counts(ranks);
    std::vector<float> means(C * ranks), m2s(C * ranks);
    MPI_Allgather(&count, 1, MPI_UINT64_T, counts.data(), 1, MPI_UINT64_T, MPI_COMM_WORLD);
    MPI_Allgather(mean.data(), C, MPI_FLOAT, means.data(), C, MPI_FLOAT, MPI_COMM_WORLD);
    MPI_Allgather(m2.data(), C, MPI_FLOAT, m2s.data(), C, MPI_FLOAT, MPI_COMM_WORLD);
    std::uint64_t total = counts[0];
    std::vector<float> g_mean(means.begin(), means.begin() + C), g_m2(m2s.begin(), m2s.begin() + C), g_var(C);
    for (int r = 1; r < ranks; ++r)
        ok(bnkit_bn_stats_merge_f32(C, total, g_mean.data(), g_m2.data(), counts[r], &means[C * r], &m2s[C * r], &total,
                                    g_mean.data(), g_m2.data()),
           "merge");
    ok(bnkit_bn_stats_finalize_f32(C, total, g_m2.data(), g_var.data()), "finalize");

    // Forward 2: normalize the local rows with the global statistics; every rank updates its
    // (identical) copy of the moving statistics with the global count.
    const bnkit_bn_train_params params{eps, momentum, BNKIT_VARIANCE_UNBIASED, BNKIT_UPDATE_LERP};
    std::vector<float> y(local), mm(C, 0.0f), mv(C, 1.0f), saved_mean(C), saved_invstd(C);
    ok(bnkit_bn_train_with_stats_f32(&desc, &params, total, g_mean.data(), g_var.data(), x.data() + off, y.data(),
                                     gamma.data(), beta.data(), mm.data(), mv.data(), saved_mean.data(),
                                     saved_invstd.data(), workspace),
       "train_with_stats");

    // Backward: local sums, gathered and added in rank order (double), then the local dx.
    std::vector<float> s_dy(C), s_dxh(C), all_dy(C * ranks), all_dxh(C * ranks), dbeta(C), dgamma(C), dx(local);
    ok(bnkit_bn_backward_sums_f32(&desc, x.data() + off, dy.data() + off, saved_mean.data(), saved_invstd.data(),
                                  s_dy.data(), s_dxh.data(), workspace),
       "backward_sums");
    MPI_Allgather(s_dy.data(), C, MPI_FLOAT, all_dy.data(), C, MPI_FLOAT, MPI_COMM_WORLD);
    MPI_Allgather(s_dxh.data(), C, MPI_FLOAT, all_dxh.data(), C, MPI_FLOAT, MPI_COMM_WORLD);
    for (std::size_t c = 0; c < C; ++c) {
        double a = 0, b = 0;
        for (int r = 0; r < ranks; ++r) {
            a += all_dy[C * r + c];
            b += all_dxh[C * r + c];
        }
        dbeta[c] = static_cast<float>(a);
        dgamma[c] = static_cast<float>(b);
    }
    ok(bnkit_bn_backward_apply_sums_f32(&desc, total, x.data() + off, dy.data() + off, gamma.data(), saved_mean.data(),
                                        saved_invstd.data(), dbeta.data(), dgamma.data(), dx.data(), workspace),
       "backward_apply_sums");

    // Collect y and dx on rank 0 (slices are contiguous rows, in rank order).
    std::vector<int> sizes(ranks), displs(ranks);
    for (int r = 0; r < ranks; ++r) {
        const std::size_t a = N * static_cast<std::size_t>(r) / ranks, b = N * (r + 1u) / ranks;
        sizes[r] = static_cast<int>((b - a) * C * HW);
        displs[r] = static_cast<int>(a * C * HW);
    }
    std::vector<float> y_all(rank == 0 ? N * C * HW : 0), dx_all(rank == 0 ? N * C * HW : 0);
    MPI_Gatherv(y.data(), static_cast<int>(local), MPI_FLOAT, y_all.data(), sizes.data(), displs.data(), MPI_FLOAT, 0,
                MPI_COMM_WORLD);
    MPI_Gatherv(dx.data(), static_cast<int>(local), MPI_FLOAT, dx_all.data(), sizes.data(), displs.data(), MPI_FLOAT, 0,
                MPI_COMM_WORLD);

    int failed = 0;
    if (rank == 0) {
        // The single process on the whole batch.
        const bnkit_bn_desc whole = describe(N);
        std::vector<float> y1(N * C * HW), dx1(N * C * HW), mm1(C, 0.0f), mv1(C, 1.0f), sm1(C), si1(C), dg1(C), db1(C);
        ok(bnkit_bn_train_f32(&whole, &params, x.data(), y1.data(), gamma.data(), beta.data(), mm1.data(), mv1.data(),
                              sm1.data(), si1.data(), workspace),
           "train");
        ok(bnkit_bn_backward_f32(&whole, BNKIT_PHASE_TRAINING, x.data(), dy.data(), gamma.data(), sm1.data(), si1.data(),
                                 dx1.data(), dg1.data(), db1.data(), workspace),
           "backward");
        // Scales: y, dx and the statistics are compared at 1 + |one-process value|; the sums at
        // the sums of their terms' magnitudes, sum |dy| (dbeta) and sum |dy * xhat| (dgamma).
        std::vector<double> mag_db(C, 0.0), mag_dg(C, 0.0);
        for (std::size_t k = 0; k < x.size(); ++k) {
            const std::size_t c = k / HW % C;
            mag_db[c] += std::fabs(dy[k]);
            mag_dg[c] += std::fabs(dy[k] * (x[k] - sm1[c]) * si1[c]);
        }
        const auto unit = [](const std::vector<float>& ref) {
            return [&ref](std::size_t i) { return 1.0 + std::fabs(ref[i]); };
        };
        const auto of = [](const std::vector<double>& mag) { return [&mag](std::size_t i) { return mag[i]; }; };
        const struct {
            const char* name;
            double ulps;
        } results[] = {
            {"y", worst_ulps(y_all.data(), y1.data(), y1.size(), unit(y1))},
            {"moving_mean", worst_ulps(mm.data(), mm1.data(), C, unit(mm1))},
            {"moving_var", worst_ulps(mv.data(), mv1.data(), C, unit(mv1))},
            {"saved_invstd", worst_ulps(saved_invstd.data(), si1.data(), C, unit(si1))},
            {"dx", worst_ulps(dx_all.data(), dx1.data(), dx1.size(), unit(dx1))},
            {"dbeta", worst_ulps(dbeta.data(), db1.data(), C, of(mag_db))},
            {"dgamma", worst_ulps(dgamma.data(), dg1.data(), C, of(mag_dg))},
        };
        std::printf("sync_bn_mpi: %d ranks, batch [%zu, %zu, %zu, %zu] split by rows; worst difference from one "
                    "process (ulps of scale, tolerance %.0f):\n",
                    ranks, N, C, H, W, tolerance_ulps);
        for (const auto& r : results) {
            std::printf("  %-12s %6.2f%s\n", r.name, r.ulps, r.ulps <= tolerance_ulps ? "" : "  FAILED");
            failed |= r.ulps > tolerance_ulps;
        }
        std::printf("%s\n", failed ? "FAILED" : "OK");
    }
    MPI_Bcast(&failed, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return failed;
}
