/**
 * podman machine's report schemas ({@code list --format json}, {@code inspect}, {@code info}) as
 * records that Jackson writes field for field as podman does, and the order {@code list} shows
 * machines in. The CLI only renders them (JSON, YAML, Go templates, tables).
 */
package dev.berth.report;
