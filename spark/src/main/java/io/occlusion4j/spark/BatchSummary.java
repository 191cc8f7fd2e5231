// What a Spark explain job did, counted from its result.
package io.occlusion4j.spark;

import java.util.List;

/**
 * @param rows         result rows
 * @param errors       rows with {@code error} set (unreadable input, shape refused, model failure)
 * @param variants     occluded variants scored over every explained row
 * @param taskSeconds  the rows' own explain seconds, added up (over the slots: more than wall time)
 * @param firstErrors  a few of the error messages, for the summary line
 */
public record BatchSummary(long rows, long errors, long variants, double taskSeconds, List<String> firstErrors) {
    public BatchSummary {
        firstErrors = List.copyOf(firstErrors);
    }
}
