package models

import (
	"fmt"
	"time"

	"gorm.io/gorm"
)

// m13Document is documents as created by 0013_documents.
type m13Document struct {
	ID             uint      `gorm:"primaryKey"`
	CaseID         uint      `gorm:"not null;index:idx_documents_case,priority:1"`
	SupportID      *uint     `gorm:"index"`
	Category       string    `gorm:"size:20;not null"`
	Description    string    `gorm:"type:text;not null;default:''"`
	Filename       string    `gorm:"size:255;not null;default:''"`
	ContentType    string    `gorm:"size:40;not null"`
	SourceType     string    `gorm:"size:40;not null"`
	Size           int64     `gorm:"not null"`
	SHA256         string    `gorm:"column:sha256;size:64;not null;default:''"`
	Width          int       `gorm:"not null;default:0"`
	Height         int       `gorm:"not null;default:0"`
	ThumbSize      int64     `gorm:"not null;default:0"`
	Chunks         int       `gorm:"not null;default:0"`
	ThumbChunks    int       `gorm:"not null;default:0"`
	UploadedByID   uint      `gorm:"not null"`
	CreatedAt      time.Time `gorm:"not null;index:idx_documents_case,priority:2"`
	WithdrawnAt    *time.Time
	WithdrawnByID  *uint
	WithdrawReason string `gorm:"type:text;not null;default:''"`
}

func (m13Document) TableName() string { return "documents" }

// m13DocumentChunk is document_chunks as created by 0013_documents: a file's content in
// pieces of DocumentChunkSize bytes, part 0 the content and part 1 the thumbnail.
type m13DocumentChunk struct {
	DocumentID uint   `gorm:"primaryKey;autoIncrement:false"`
	Part       int    `gorm:"primaryKey;autoIncrement:false"`
	Seq        int    `gorm:"primaryKey;autoIncrement:false"`
	Data       []byte `gorm:"not null"`
}

func (m13DocumentChunk) TableName() string { return "document_chunks" }

// migrateDocuments adds documents and their content. The content is kept in the
// database in chunk rows, so an upload and a download each hold one chunk in memory at
// a time, `awda backup` and pg_dump carry the files with the records, and several app
// servers see the same files without a shared disk.
func migrateDocuments(tx *gorm.DB) error {
	if err := tx.Migrator().CreateTable(&m13Document{}); err != nil {
		return fmt.Errorf("documents: %w", err)
	}
	if err := tx.Migrator().CreateTable(&m13DocumentChunk{}); err != nil {
		return fmt.Errorf("document chunks: %w", err)
	}
	// An office may require a receipt before cash support is marked delivered.
	if err := tx.Exec("ALTER TABLE offices ADD COLUMN receipt_required BOOLEAN NOT NULL DEFAULT FALSE").Error; err != nil {
		return fmt.Errorf("offices.receipt_required: %w", err)
	}
	return nil
}
