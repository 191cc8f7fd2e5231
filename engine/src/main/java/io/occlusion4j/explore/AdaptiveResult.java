package io.occlusion4j.explore;

import io.occlusion4j.SensitivityMap;

/**
 * @param map    the adaptive map on the fine grid (its run stats sum both passes)
 * @param coarse the coarse pass's map (null for {@code auto}, which has none)
 * @param exact  per fine window (numbered as the fine grid map), whether it was computed exactly
 * @param stats  cost and savings
 */
public record AdaptiveResult(SensitivityMap map, SensitivityMap coarse, boolean[] exact, AdaptiveStats stats) {}
