package models

import "context"

// DirectSummary is the summary computed straight from the records, the reference the
// prepared figures are compared with.
func (s *SummaryStore) DirectSummary(ctx context.Context, scope Scope, f SummaryFilter) (*Summary, error) {
	return s.directSummary(ctx, scope, f, Indicators)
}

// DirectHeadline is the home's headline computed straight from the records.
func (s *SummaryStore) DirectHeadline(ctx context.Context, scope Scope, f SummaryFilter) (*Summary, error) {
	return s.directSummary(ctx, scope, f, HeadlineIndicators)
}
