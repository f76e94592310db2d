package demo

// officeDef is one of the nine offices; Weight shares the outbound caseload (more in
// Rabat, Casablanca, Oujda and Tanger), InboundWeight the Moroccan returnees.
type officeDef struct {
	Code, Name, City      string
	Weight, InboundWeight int
}

var officeDefs = []officeDef{
	{"RAB", "Bureau de Rabat", "Rabat", 22, 20},
	{"CAS", "Bureau de Casablanca", "Casablanca", 20, 25},
	{"OUJ", "Bureau d'Oujda", "Oujda", 17, 8},
	{"TNG", "Bureau de Tanger", "Tanger", 13, 15},
	{"FES", "Bureau de Fès", "Fès", 8, 10},
	{"MAR", "Bureau de Marrakech", "Marrakech", 7, 7},
	{"AGA", "Bureau d'Agadir", "Agadir", 5, 5},
	{"NAD", "Bureau de Nador", "Nador", 5, 8},
	{"LAA", "Bureau de Laâyoune", "Laâyoune", 3, 2},
}

// caseworkerNames are the demo caseworkers, one per office, in officeDefs order.
var caseworkerNames = []string{"Salma Benjelloun", "Youssef Amrani", "Karim Ouahbi", "Nadia El Fassi",
	"Houda Lahlou", "Rachid Bennis", "Meryem Alaoui", "Saïd Azzouzi", "Mina Ma El Ainine"}

// nationalityDef: an outbound nationality, its share of the caseload (in the order of the
// office's recent years), the airport and capital people fly home to, the languages
// they speak and the currency partner missions pay support in.
type nationalityDef struct {
	Code      string
	Weight    int
	Airport   string
	Capital   string
	Languages string
	Currency  string
}

var nationalityDefs = []nationalityDef{
	{"GN", 20, "CKY", "Conakry", "français, pular, soussou", "EUR"},
	{"CI", 17, "ABJ", "Abidjan", "français, dioula", "XOF"},
	{"SN", 11, "DSS", "Dakar", "français, wolof", "XOF"},
	{"ML", 9, "BKO", "Bamako", "français, bambara", "XOF"},
	{"CM", 9, "DLA", "Douala", "français, anglais", "EUR"},
	{"NG", 5, "LOS", "Lagos", "anglais, igbo, yoruba", "USD"},
	{"CG", 4, "BZV", "Brazzaville", "français, lingala", "EUR"},
	{"CD", 4, "FIH", "Kinshasa", "français, lingala, swahili", "USD"},
	{"BF", 4, "OUA", "Ouagadougou", "français, mooré", "XOF"},
	{"GM", 4, "BJL", "Banjul", "anglais, wolof, mandinka", "USD"},
	{"SL", 4, "FNA", "Freetown", "anglais, krio", "USD"},
	{"LR", 3, "ROB", "Monrovia", "anglais", "USD"},
	{"TD", 3, "NDJ", "N'Djamena", "français, arabe tchadien", "EUR"},
	{"SD", 3, "KRT", "Khartoum", "arabe", "USD"},
}

// Months weigh the returns of people who attended no session (flights resumed slowly in 2021).
var monthWeights = []int{5, 6, 7, 7, 8, 9, 10, 9, 10, 10, 10, 9}

// requestReasons and their weights (61 % lack of resources).
var requestReasons = []string{"lack_of_resources", "family", "health", "failed_migration_project", "insecurity", "other"}
var requestReasonWeights = []int{61, 14, 8, 9, 5, 3}

var supportDescriptions = map[string][]string{
	"micro_project": {"Micro-projet : élevage de volailles", "Micro-projet : petit commerce alimentaire",
		"Micro-projet : atelier de couture", "Micro-projet : salon de coiffure", "Micro-projet : taxi-moto",
		"Micro-projet : maraîchage", "Micro-projet : restauration de rue", "Micro-projet : boutique de téléphonie",
		"Micro-projet : élevage ovin", "Micro-projet : menuiserie"},
	"micro_project_ma": {"Activité génératrice de revenus : épicerie de quartier", "AGR : atelier de couture",
		"AGR : vente de produits agricoles", "AGR : coopérative d'huile d'argan", "AGR : snack", "AGR : atelier de réparation de motos"},
	"cash": {"Aide en espèces à l'arrivée", "Allocation de réinstallation", "Aide au logement (trois mois de loyer)",
		"Aide en espèces pour les besoins immédiats"},
	"medical": {"Prise en charge médicale : consultation et traitement", "Suivi de grossesse",
		"Médicaments pour un traitement chronique", "Soins dentaires", "Examens et analyses"},
	"training": {"Formation professionnelle : électricité du bâtiment", "Formation professionnelle : couture",
		"Formation professionnelle : cuisine", "Formation professionnelle : plomberie", "Formation : gestion d'une petite entreprise"},
}

var cancelReasons = []string{"Doublon d'une aide déjà planifiée", "Bénéficiaire injoignable", "Projet modifié : nouvelle demande"}

type partnerDef struct {
	Code, Purpose string
	Weight        int
	Outcomes      []string
}

var partnerDefs = []partnerDef{
	{"ANAPEC", "Accompagnement vers l'emploi", 45, []string{
		"Inscrit à l'ANAPEC ; placé en stage dans une entreprise de logistique", "Contrat d'insertion signé (programme Idmaj)",
		"Atelier de recherche d'emploi suivi ; deux entretiens obtenus", "Embauché comme agent de production"}},
	{"OFPPT", "Formation professionnelle qualifiante", 35, []string{
		"Formation en installation électrique terminée, diplôme obtenu", "Inscrit en formation de soudure",
		"Formation en cuisine terminée", "Formation en maintenance automobile terminée"}},
	{"health", "Bilan de santé et suivi médical", 15, []string{
		"Pris en charge au centre de santé", "Suivi psychologique au CHU", "Traitement commencé à l'hôpital régional"}},
	{"entraide_nationale", "Appui social et hébergement", 5, []string{
		"Accueilli dans un centre social", "Aide sociale accordée"}},
}

var rejectReasons = []string{"Places épuisées pour cette session", "Ne remplit pas les conditions d'âge",
	"Le bénéficiaire ne s'est pas présenté"}

var facilitators = []string{"Amina Tazi", "Jean-Baptiste Kouadio", "Khalid Berrada", "Aïcha Diallo", "Omar Sefrioui",
	"Clarisse Mbarga", "Hicham Naciri", "Fatou Sarr"}

var activityNotes = map[string][]string{
	"counselling":  {"Entretien de conseil : projet de retour et de réintégration", "Entretien : situation familiale et documents de voyage"},
	"psychosocial": {"Séance de soutien psychosocial individuel", "Écoute et orientation ; suivi prévu"},
	"monitoring":   {"Suivi : activité en cours, revenus réguliers", "Suivi : micro-projet opérationnel", "Suivi : besoin d'un appui complémentaire"},
}
