package tmsrc

// Text building blocks. They carry what real TM text carries: apostrophes,
// double quotes, backslashes, tabs, newlines, NBSP (U+00A0), HTML entities
// left by bleach, markdown, and non-Latin scripts and emoji.

// nbsp is U+00A0, which TM's comment cleaner leaves in text.
const nbsp = "\u00a0"

// firstNames and lastNames build users' real names.
var (
	firstNames = []string{"Aisha", "Jean", "Zoë", "Siobhán", "Kofi", "Nguyễn", "Ana María", "Rahul", "Mei", "José", "Olusegun", "Ingrid", "Fatima", "Lars", "Chidi", "Yuki"}
	lastNames  = []string{"O'Brien", "Dupont", "Müller", "Perera", "Fernando", `"the mapper"`, "Okafor", "Silva", "D'Souza", "Kowalski", "Øster", "Haddad", "Mensah", "Tanaka", "Jayasuriya", "van der Berg"}
)

// cities and countries fill users' places.
var (
	cities    = []string{"Colombo", "Kandy", "Nairobi", "Dhaka", "Port-au-Prince", "Kathmandu", "L'Aquila", "São Paulo", "Zürich", "東京", "Jaffna", "Galle"}
	countries = []string{"Sri Lanka", "Kenya", "Bangladesh", "Haiti", "Nepal", "Italy", "Brazil", "Switzerland", "Japan", "Côte d'Ivoire", "United States"}
)

// editorNames are users.default_editor values (editor names, not codes).
var editorNames = []string{"ID", "JOSM", "RAPID", "POTLATCH_2", "FIELD_PAPERS", "CUSTOM"}

// commentParts are fragments of task_history COMMENT texts.
var commentParts = []string{
	"Mapped all buildings &amp; roads.",
	"Please check the north" + nbsp + "part.",
	`She said "looks good" &amp; moved on`,
	"@O'Brien can you re-check? &lt;b&gt;thanks&lt;/b&gt;",
	`<a href="https://www.openstreetmap.org/user/someone" rel="nofollow">someone</a> fixed it`,
	"Missing imagery 😕 – nubes / nuages / 雲",
	"Clouds over the east half.\nSkipped those buildings.",
	"tab\tseparated notes",
	`path C:\temp\tiles is wrong`,
	"Résumé: 12 bâtiments, 3 routes",
	"line one\r\nline two",
	"ok 👍",
	"#hotosm-project please validate",
	"Hello" + nbsp + "mapper,\nthanks for your work!",
}

// messageParts are fragments of messages and project chat.
var messageParts = []string{
	"Welcome to the Tasking Manager!",
	"Your task was <b>invalidated</b> &amp; needs another look.",
	"Thanks for mapping with us :)",
	"@O'Brien mentioned you in a comment",
	`The "Colombo flood" project needs validators`,
	"Please join the team \"Sri Lanka Mappers\".",
	"Line 1\nLine 2\n\n– the HOT team",
	"Hola, ¿puedes validar la tarea?",
	"请检查这个任务",
	"back\\slash and tab\tin text",
	"Great work" + nbsp + "everyone 🎉",
}

// projectNames are project_info.name stems.
var projectNames = []string{
	"Sri Lanka floods: buildings", "Cartografía de Batticaloa", "Cyclone response – Jaffna", `Mapping "informal" settlements`,
	"Kandy roads", "Cartographie d'urgence", "Malaria elimination: Trincomalee", "Missing Maps – Galle", "道路のマッピング", "O'Neill district waterways",
}

// descriptionParts are markdown fragments for project and organisation descriptions.
var descriptionParts = []string{
	"## Background\nHeavy rains caused flooding in the **Eastern Province**.",
	"Map all buildings and residential roads. Use the \"Esri World Imagery\" layer.",
	"Don't map features you can't see clearly; add a comment instead.",
	"* buildings\n* highways\n* waterways",
	"Contact: mapping@example.org — we're happy to help!",
	"Voir https://wiki.openstreetmap.org/wiki/FR:Accueil pour l'aide.",
	"தமிழ் மொழி விளக்கம்",
	"Use `building=yes` only.\tTabs happen too.",
}

// locales are project_info locales and projects.default_locale values.
var locales = []string{"en", "fr", "es", "pt", "id", "de", "si", "ta", "ar", "sw"}

// categoryNames are the mapping_issue_categories.
var categoryNames = []string{"Missing buildings", "Feature geometry", "Missing or wrong tags", "Imagery offset", `Other ("misc")`}

// licenseNames are the licenses.
var licenseNames = []string{
	"HOT Licence", "Bing Maps", "Maxar Premium (NextView)", "ESRI World Imagery", "Mapbox Satellite",
	"DigitalGlobe Standard", "Planet Labs", "Drone imagery (CC-BY 4.0)", "Government of Sri Lanka's imagery", `Custom "Field" Licence`,
}

// interestNames are the interests.
var interestNames = []string{
	"Disaster response", "Refugee response", "Health", "Water & sanitation", "Transportation", "Education",
	"Infrastructure", "Environmental conservation", "Economic development", "Agriculture", "Gender",
	"Mapping for Malaria", "Land use", "Community resilience", "Climate", "Women's safety", "Urban planning",
	"Humanitarian \"Logistics\"", "Power", "Other",
}

// orgNames are organisation name stems.
var orgNames = []string{"Humanitarian OpenStreetMap Team", "Médecins Sans Frontières", "O'Reilly Mappers", "American Red Cross", "YouthMappers", "Kathmandu Living Labs", `"Open" Cities Africa`, "OSM Sri Lanka"}
