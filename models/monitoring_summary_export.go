package models

import (
	"strconv"
)

// The monitoring section of summary.csv, after the other figures as on the page, in
// the file's row format. Counts go in the count column; a mean score (0 to 1) goes in
// the count column too, with four decimals and a dot, under a key ending in
// ".baseline" or ".followup" (the page shows the same means with two decimals).
const (
	// SectionMonitoring: keys baselines, followups (visits dated in the period) and
	// people (the people compared).
	SectionMonitoring = "monitoring"
	// SectionMonitoringMean: keys composite.baseline, composite.followup and
	// <dimension>.baseline, <dimension>.followup: the compared people's means.
	SectionMonitoringMean = "monitoring_mean"
	// SectionMonitoringBand: one row per band (key the band): people at their latest
	// follow-up, with both shares.
	SectionMonitoringBand = "monitoring_band"
	// SectionMonitoringSupport: per support group (key the type, or none): people,
	// then the key with .baseline and .followup: their means.
	SectionMonitoringSupport = "monitoring_support"
	// SectionMonitoringOffice: the same per office (key the office code).
	SectionMonitoringOffice = "monitoring_office"
)

// Suffixes of the mean rows' keys.
const (
	MeanBaselineSuffix = ".baseline"
	MeanFollowupSuffix = ".followup"
)

// CompositeKey is the composite score's key among the dimensions' in SectionMonitoringMean.
const CompositeKey = "composite"

// BandShare is a band's people and their share of the people compared.
type BandShare struct {
	KeyCount
	// Share is a whole per cent (largest remainder: the bands add up to 100).
	Share int
	// Tenths is the share in tenths of a per cent, rounded half up.
	Tenths int64
}

// BandShares are the bands with their shares, in Bands order.
func (m *MonitoringSummary) BandShares() []BandShare {
	counts := make([]int64, len(m.Bands))
	var total int64
	for i, b := range m.Bands {
		counts[i] = b.Count
		total += b.Count
	}
	shares := LargestRemainder(counts)
	out := make([]BandShare, len(m.Bands))
	for i, b := range m.Bands {
		out[i] = BandShare{KeyCount: b, Share: shares[i]}
		if total > 0 {
			out[i].Tenths = (b.Count*2000 + total) / (2 * total)
		}
	}
	return out
}

// MeanCell writes a mean score with four decimals and a dot.
func MeanCell(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }

// MonitoringSummaryRows lays the monitoring section out as rows of summary.csv: the
// visit and people counts, then (when anyone is compared, as the page) the means,
// bands, support groups and offices.
func MonitoringSummaryRows(m *MonitoringSummary) []SummaryRow {
	itoa := func(n int64) string { return strconv.FormatInt(n, 10) }
	out := []SummaryRow{
		{Section: SectionMonitoring, Key: GroupBaselines, Count: itoa(m.Baselines)},
		{Section: SectionMonitoring, Key: GroupFollowups, Count: itoa(m.Followups)},
		{Section: SectionMonitoring, Key: GroupPeople, Count: itoa(m.All.People)},
	}
	if m.All.People == 0 {
		return out
	}
	means := func(section string, key string, p MeanPair) {
		out = append(out, SummaryRow{Section: section, Key: key + MeanBaselineSuffix, Count: MeanCell(p.Baseline)},
			SummaryRow{Section: section, Key: key + MeanFollowupSuffix, Count: MeanCell(p.Followup)})
	}
	means(SectionMonitoringMean, CompositeKey, m.All)
	for _, d := range m.Dimensions {
		means(SectionMonitoringMean, d.Key, d)
	}
	for _, b := range m.BandShares() {
		out = append(out, SummaryRow{Section: SectionMonitoringBand, Key: b.Key, Count: itoa(b.Count),
			SharePercent: strconv.Itoa(b.Share), ShareOneDecimal: tenthsCell(b.Tenths)})
	}
	for _, g := range []struct {
		section string
		rows    []MeanPair
	}{{SectionMonitoringSupport, m.BySupport}, {SectionMonitoringOffice, m.ByOffice}} {
		for _, p := range g.rows {
			out = append(out, SummaryRow{Section: g.section, Key: p.Key, Count: itoa(p.People)})
			means(g.section, p.Key, p)
		}
	}
	return out
}
