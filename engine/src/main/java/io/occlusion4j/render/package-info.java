/**
 * Heatmap rendering of sensitivity maps: colour maps ({@link io.occlusion4j.render.Colormap}), a
 * built-in pixel font that needs no installed fonts ({@link io.occlusion4j.render.BitmapFont}), and
 * the panel renderer with atomic PNG output ({@link io.occlusion4j.render.HeatmapRenderer}).
 * Depends on nothing else in the engine; works in headless JVMs.
 */
package io.occlusion4j.render;
