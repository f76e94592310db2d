package demo

// people holds plausible names for each nationality in the demo, in the scripts people
// actually use for them (Latin with accents, and Arabic for Sudan, Chad and Morocco).
type people struct {
	male, female, family []string
}

// namesByNationality: nationalities without their own list borrow a neighbour's.
var namesByNationality = map[string]people{
	"GN": westAfricaFula, "SN": westAfricaWolof, "ML": westAfricaMande, "GM": westAfricaWolof,
	"CI": ivorian, "BF": ivorian,
	"CM": cameroonian,
	"NG": nigerian,
	"CG": congolese, "CD": congolese,
	"SL": sierraLeonean, "LR": sierraLeonean,
	"TD": sahelArabic, "SD": sahelArabic,
	"MA": moroccan,
}

var westAfricaFula = people{
	male:   []string{"Mamadou", "Ibrahima", "Alpha", "Ousmane", "Abdoulaye", "Amadou", "Saliou", "Boubacar", "Thierno", "Elhadj"},
	female: []string{"Fatoumata", "Mariama", "Aïssatou", "Kadiatou", "Hawa", "Aminata", "Binta", "Ramatoulaye", "Oumou", "Djénabou"},
	family: []string{"Diallo", "Barry", "Bah", "Sow", "Baldé", "Camara", "Condé", "Sylla", "Touré", "Keïta"},
}

var westAfricaWolof = people{
	male:   []string{"Modou", "Cheikh", "Lamine", "Moussa", "Babacar", "Ousmane", "Pape", "Abdou", "Serigne", "Ebrima"},
	female: []string{"Awa", "Khady", "Fatou", "Ndèye", "Coumba", "Astou", "Mariama", "Isatou", "Sokhna", "Binta"},
	family: []string{"Ndiaye", "Diop", "Fall", "Sarr", "Mbaye", "Gueye", "Faye", "Jallow", "Ceesay", "Sanneh"},
}

var westAfricaMande = people{
	male:   []string{"Moussa", "Seydou", "Bakary", "Drissa", "Souleymane", "Adama", "Sékou", "Mamadou", "Yacouba", "Lassana"},
	female: []string{"Fatoumata", "Aminata", "Kadidia", "Assétou", "Djeneba", "Mariam", "Rokia", "Oumou", "Salimata", "Nana"},
	family: []string{"Coulibaly", "Traoré", "Keïta", "Konaté", "Diarra", "Cissé", "Sissoko", "Dembélé", "Sangaré", "Doumbia"},
}

var ivorian = people{
	male:   []string{"Kouassi", "Yao", "Koffi", "Konan", "Adama", "Souleymane", "Issouf", "Serge", "Arsène", "Didier"},
	female: []string{"Adjoua", "Aya", "Affoué", "Mariam", "Salimata", "Akissi", "Amenan", "Rokia", "Awa", "Ange"},
	family: []string{"Kouamé", "N'Guessan", "Koné", "Ouattara", "Bamba", "Kouadio", "Ouédraogo", "Sawadogo", "Compaoré", "Yéo"},
}

var cameroonian = people{
	male:   []string{"Jean-Paul", "Emmanuel", "Serge", "Franck", "Hervé", "Boris", "Landry", "Thierry", "Aboubakar", "Christian"},
	female: []string{"Brigitte", "Mireille", "Nadège", "Chantal", "Solange", "Laure", "Estelle", "Hadiza", "Rosine", "Carine"},
	family: []string{"Mbarga", "Nkoulou", "Fotso", "Tchamba", "Ngono", "Essomba", "Kamga", "Njoya", "Atangana", "Bello"},
}

var nigerian = people{
	male:   []string{"Chinedu", "Emeka", "Oluwaseun", "Tunde", "Ibrahim", "Musa", "Uche", "Samuel", "Kelechi", "Sani"},
	female: []string{"Chioma", "Ngozi", "Blessing", "Aisha", "Funmilayo", "Precious", "Joy", "Adaeze", "Halima", "Esther"},
	family: []string{"Okafor", "Adeyemi", "Okonkwo", "Balogun", "Eze", "Bello", "Abubakar", "Nwosu", "Ogunleye", "Yusuf"},
}

var congolese = people{
	male:   []string{"Patrick", "Christian", "Trésor", "Glody", "Jonathan", "Héritier", "Dieudonné", "Fiston", "Junior", "Cédric"},
	female: []string{"Grâce", "Merveille", "Divine", "Esther", "Gloire", "Naomie", "Ruth", "Sarah", "Plamedie", "Jolie"},
	family: []string{"Mukendi", "Ilunga", "Kalonji", "Moukoko", "Malonga", "Nzuzi", "Mbemba", "Tshibanda", "Lukusa", "Makosso"},
}

var sierraLeonean = people{
	male:   []string{"Mohamed", "Abu", "Foday", "Alhaji", "Ibrahim", "Sahr", "Momoh", "Joseph", "Alusine", "Musa"},
	female: []string{"Isatu", "Kadiatu", "Fatmata", "Mariatu", "Aminata", "Hawa", "Zainab", "Musu", "Ramatu", "Christiana"},
	family: []string{"Kamara", "Sesay", "Bangura", "Kargbo", "Conteh", "Koroma", "Turay", "Johnson", "Kollie", "Mansaray"},
}

var sahelArabic = people{
	male:   []string{"Mahamat", "Abakar", "Adam", "Ahmed", "محمد", "آدم", "أحمد", "Hassan", "Issa", "Moussa"},
	female: []string{"Achta", "Zara", "Halimé", "Amna", "فاطمة", "مريم", "آمنة", "Khadidja", "Hawa", "Mariam"},
	family: []string{"Idriss", "Hassan", "Abdallah", "Ousman", "إدريس", "حسن", "عبد الله", "Yacoub", "Saleh", "Ibrahim"},
}

var moroccan = people{
	male:   []string{"Mohammed", "Youssef", "Hamza", "Omar", "Saïd", "محمد", "يوسف", "حمزة", "Ayoub", "Mehdi"},
	female: []string{"Fatima Zahra", "Khadija", "Salma", "Imane", "Nadia", "فاطمة الزهراء", "خديجة", "سلمى", "Meryem", "Hajar"},
	family: []string{"El Idrissi", "Benali", "Alaoui", "Bennani", "Tazi", "El Amrani", "العلوي", "بناني", "الإدريسي", "Ouazzani"},
}
