// Score transform and gather: RAW / SOFTMAX (over groups of the last axis, max subtracted, summed in
// double) / SIGMOID over the K outputs of each sample, the optional max reduction, then the deltas
// base - occluded of T targets written into the grid map at each window's number. Mirrors
// io.occlusion4j.core.Scoring; plus the NaN/Inf flag over the raw outputs.
#include "occ_common.cuh"

OCC_DEVICE void occ_softmax_group(const float* v, int begin, int len, float* m, double* sum) {
    float mx = occ_negative_infinity();
    for (int i = begin; i < begin + len; i++) {
        mx = occ_jmax(mx, v[i]);
    }
    double s = 0;
    for (int i = begin; i < begin + len; i++) {
        s += exp((double) (v[i] - mx));
    }
    *m = mx;
    *sum = s;
}

/** Transformed output i of one sample (softmax: the group's max and sum given). */
OCC_DEVICE float occ_transform(int score, const float* v, int i, float m, double sum) {
    switch (score) {
        case OCC_SCORE_SIGMOID:
            return (float) (1.0 / (1.0 + exp(-(double) v[i])));
        case OCC_SCORE_SOFTMAX:
            return (float) (exp((double) (v[i] - m)) / sum);
        default:
            return v[i];
    }
}

/** Score number k of one sample of K outputs: output k transformed, or with reduceMax the max of all. */
OCC_DEVICE float occ_score(const float* v, int K, int group, int score, int reduceMax, int k) {
    float m = 0;
    double sum = 1;
    if (!reduceMax) {
        if (score == OCC_SCORE_SOFTMAX) {
            occ_softmax_group(v, k / group * group, group, &m, &sum);
        }
        return occ_transform(score, v, k, m, sum);
    }
    float best = occ_negative_infinity();
    for (int g0 = 0; g0 < K; g0 += group) {
        if (score == OCC_SCORE_SOFTMAX) {
            occ_softmax_group(v, g0, group, &m, &sum);
        }
        for (int i = g0; i < g0 + group; i++) {
            best = occ_jmax(best, occ_transform(score, v, i, m, sum));
        }
    }
    return best;
}

/** All scores of rows [0, rows): dst[row, k] for k < (reduceMax ? 1 : K). Used for the unoccluded forward. */
extern "C" __global__ void occ_score_rows(const float* __restrict__ outputs, int rows, int K, int group, int score,
                                          int reduceMax, float* __restrict__ dst) {
    int count = reduceMax ? 1 : K;
    long long total = (long long) rows * count;
    for (long long e = occ_thread_id(); e < total; e += occ_thread_count()) {
        long long row = e / count;
        int k = (int) (e - row * count);
        dst[e] = occ_score(outputs + row * K, K, group, score, reduceMax, k);
    }
}

/**
 * For rows [0, rows) of a batch whose first window is `first`: gridMap[t * windows + first + row] =
 * baseScores[targets[t]] - score(row, targets[t]). One work item per (row, target).
 */
extern "C" __global__ void occ_score_gather(const float* __restrict__ outputs, int rows, int K, int group, int score,
                                            int reduceMax, const int* __restrict__ targets, int T,
                                            const float* __restrict__ baseScores, long long first, long long windows,
                                            float* __restrict__ gridMap) {
    long long total = (long long) rows * T;
    for (long long e = occ_thread_id(); e < total; e += occ_thread_count()) {
        long long row = e / T;
        int t = (int) (e - row * T);
        int k = targets[t];
        float occluded = occ_score(outputs + row * K, K, group, score, reduceMax, k);
        gridMap[t * windows + first + row] = baseScores[k] - occluded;
    }
}

/**
 * Lowers *firstBad to first + row for every row holding a NaN or infinite raw output (initialise it to
 * INT_MAX). The minimum is deterministic whatever the schedule.
 */
extern "C" __global__ void occ_nonfinite_flag(const float* __restrict__ outputs, long long count, int K, int first,
                                              int* __restrict__ firstBad) {
    for (long long e = occ_thread_id(); e < count; e += occ_thread_count()) {
        if (!occ_isfinite(outputs[e])) {
            atomicMin(firstBad, first + (int) (e / K));
        }
    }
}
