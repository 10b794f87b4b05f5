"""Build the demo site: home, programme, a call open now, its FAQ, news.

Idempotent: run twice, the second run finds every page and changes nothing.
``--reset`` deletes the demo pages first and rebuilds them (the call's dates
are then relative to today again).
"""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from wagtail.models import Collection, Page, Site

from cms_pages.factories import (
    CallPageFactory,
    FaqPageFactory,
    HomePageFactory,
    NewsArticlePageFactory,
    NewsIndexPageFactory,
    ProgrammePageFactory,
    paragraph,
)
from cms_pages.incubators import create_incubator, link_starting_groups
from cms_pages.models import CallPage, HomePage, SiteIdentity
from core.deletion import deletions_allowed
from forms.factories import DEMO_FIELDS, CandidatureFactory, CandidatureFormPageFactory
from forms.models import Candidature, ReferenceSequence
from investigations.models import (
    CommitteeEvent,
    Funder,
    Investigation,
    LearningsIndexPage,
    Organisation,
    Phase,
)
from investigations.services import plan
from selection.models import (
    DiscussionComment,
    Evaluation,
    EvaluationReopening,
    NotificationTemplate,
    ReviewRound,
    RoundMember,
)

HOME_SLUG = "accueil"

PHASES = [
    {
        "code": "investigation",
        "title": "Investigation",
        "min_duration": 6,
        "max_duration": 9,
        "duration_unit": "weeks",
        "description": "Cerner le problème, rencontrer les personnes concernées et formuler "
        "les hypothèses de solution les plus prometteuses.",
    },
    {
        "code": "construction",
        "title": "Construction",
        "min_duration": 6,
        "max_duration": 12,
        "duration_unit": "months",
        "description": "Mettre une première version entre les mains de vrais utilisateurs, "
        "sur un périmètre restreint, et apprendre de leurs retours.",
    },
    {
        "code": "acceleration",
        "title": "Accélération",
        "min_duration": 12,
        "max_duration": 24,
        "duration_unit": "months",
        "description": "Quand l'utilité est démontrée, améliorer le service et l'étendre pour "
        "en maximiser l'impact.",
    },
    {
        "code": "consolidation",
        "title": "Consolidation ou transfert",
        "min_duration": 6,
        "max_duration": 6,
        "duration_unit": "months",
        "description": "Trouver la meilleure façon de pérenniser le service dans une structure "
        "qui garde l'usager au centre.",
    },
]

CRITERIA = [
    {
        "label": "Ampleur du problème",
        "description": "Combien de personnes le problème touche-t-il, et avec quelle gravité "
        "pour les usagers ou les agents ?",
        "weight": 2,
        "levels": "0 : problème non décrit\n"
        "1 : problème évoqué, sans exemple\n"
        "3 : problème décrit avec des exemples concrets\n"
        "5 : problème chiffré et documenté",
    },
    {
        "label": "Motivation et connaissance du terrain",
        "description": "Votre envie de vous impliquer et votre expérience concrète de la situation.",
        "weight": 1,
        "levels": "0 : ni motivation ni lien avec le terrain\n"
        "5 : vit la situation et s'engage à y consacrer du temps",
    },
    {
        "label": "Idée de solution",
        "description": "Les premiers contours d'une réponse, même modestes : ils seront mis à "
        "l'épreuve pendant l'investigation.",
        "weight": 1,
    },
]

FAQ = [
    (
        "L'appel à candidatures",
        [
            (
                "Qui peut proposer un problème ?",
                "<p>Toute personne travaillant dans l'administration, quels que soient son "
                "service et son poste. Il n'est pas nécessaire de savoir coder ni d'avoir une "
                "compétence informatique.</p>",
            ),
            (
                "Puis-je déposer plusieurs candidatures ?",
                "<p>Oui. Chaque problème fait l'objet d'une candidature distincte ; vous "
                "pouvez en déposer autant que vous le souhaitez avant la clôture.</p>",
            ),
            (
                "Que faut-il écrire dans la candidature ?",
                "<p>Décrivez brièvement le problème, ses conséquences pour les usagers ou les "
                "agents, et l'idée que vous vous faites d'une solution. Quelques paragraphes "
                "suffisent.</p>",
            ),
            (
                "Combien de projets seront retenus ?",
                "<p>Un jury pluridisciplinaire pré-sélectionne une quinzaine de projets dans "
                "les jours qui suivent la clôture, puis un comité choisit les lauréats.</p>",
            ),
        ],
    ),
    (
        "L'accompagnement",
        [
            (
                "En quoi consiste l'accompagnement ?",
                "<p>Chaque équipe lauréate mène une investigation de 6 à 9 semaines, aidée par "
                "un coach (une demi-journée par équipe et par semaine) et par un designer "
                "(environ six jours), avec deux points d'étape partagés avec les autres "
                "équipes et un comité final.</p>",
            ),
            (
                "Quel engagement pour mon administration ?",
                "<p>Elle désigne un référent, libère les agents mobilisés (par exemple deux "
                "jours par semaine pendant trois mois) et leur laisse l'autonomie de tester "
                "leurs idées auprès des usagers.</p>",
            ),
            (
                "Que se passe-t-il à la fin de l'investigation ?",
                "<p>L'équipe remet une synthèse et des recommandations concrètes. Quatre "
                "suites sont possibles : arrêter, poursuivre l'expérimentation en interne, "
                "déployer une solution qui existe déjà ailleurs, ou construire un service "
                "numérique avec l'incubateur.</p>",
            ),
        ],
    ),
]


DEMO_ACCOUNTS = [
    ("programme", "Équipe programme", "Paula", "Programme"),
    ("jury", "Jury", "Jules", "Juré"),
    ("communication", "Communication", "Chloé", "Communication"),
]

# A second incubator on the same instance: a local authority, in the neutral theme.
REGION = {
    "name": "Laboratoire de la Région Exemple",
    "slug": "region-exemple",
    "authority": "Région\nExemple",
    "prefix": "REG",
}
REGION_ACCOUNTS = [
    ("programme-region", "Équipe programme", "Rémi", "Région"),
    ("jury-region", "Jury", "Justine", "Région"),
]
REGION_CANDIDATURES = [
    (
        "Inès Lambert",
        "ines.lambert@region.example.org",
        "Direction des transports",
        "Les abonnés scolaires refont chaque année le même dossier papier.",
        "received",
    ),
    (
        "Hugo Fontaine",
        "hugo.fontaine@region.example.org",
        "Direction des lycées",
        "Les demandes de travaux des lycées se perdent entre trois services.",
        "received",
    ),
]

# The demo candidatures' answers to the questions other than the problem.
DEMO_ANSWERS = {
    "Ses conséquences pour les usagers": "Des démarches abandonnées et des appels "
    "répétés aux services.",
    "Combien de personnes sont concernées ?": "De 1 000 à 100 000",
    "Votre idée de solution": "",
    "Pièces jointes": [],
    "Je suis disponible pour l'investigation si mon projet est retenu": True,
}

DEMO_CANDIDATURES = [
    (
        "Camille Martin",
        "camille.martin@prefecture.example.gouv.fr",
        "Préfecture de l'Exemple",
        "Les usagers attendent plusieurs mois un rendez-vous pour un titre de séjour.",
        "eligible",
    ),
    (
        "Karim Benali",
        "karim.benali@departement.example.fr",
        "Département de l'Exemple",
        "Les familles ne savent pas à quelles aides périscolaires elles ont droit.",
        "eligible",
    ),
    (
        "Sophie Leroy",
        "sophie.leroy@ville.example.fr",
        "Ville de l'Exemple",
        "Les signalements de voirie arrivent par cinq canaux différents et se perdent.",
        "eligible",
    ),
    (
        "Thomas Nguyen",
        "thomas.nguyen@region.example.fr",
        "Région de l'Exemple",
        "Les lycéens boursiers renoncent au transport faute d'information claire.",
        "eligible",
    ),
    (
        "Inès Moreau",
        "ines.moreau@prefecture.example.gouv.fr",
        "Préfecture de l'Exemple",
        "Les associations remplissent trois fois le même dossier de subvention.",
        "eligible",
    ),
    (
        "Paul Girard",
        "paul.girard@example.gouv.fr",
        "Direction régionale de l'Exemple",
        "Les agents ressaisissent à la main les données des formulaires papier.",
        "received",
    ),
    (
        "Léa Fontaine",
        "lea.fontaine@example.gouv.fr",
        "Ministère de la Démonstration",
        "Un outil interne de gestion des congés ne convient plus.",
        "ineligible",
    ),
]

DEMO_TEMPLATES = [
    (
        "preselected",
        "Votre candidature {reference} est pré-sélectionnée",
        "Bonjour {nom},\n\nBonne nouvelle : votre projet pour « {appel} » fait partie des projets "
        "pré-sélectionnés. Nous vous présenterons la suite très vite.\n\nL'équipe du programme",
    ),
    (
        "not_preselected",
        "Votre candidature {reference}",
        "Bonjour {nom},\n\nMerci pour votre candidature à « {appel} ». Le jury ne l'a pas retenue : "
        "{motif}\n\nN'hésitez pas à proposer un autre problème lors du prochain appel.\n\n"
        "L'équipe du programme",
    ),
]


def demo_account(username, group_name, first_name, last_name):
    """A demo team member; ``ensure_admin`` gives them the local password."""

    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": first_name,
            "last_name": last_name,
            "email": f"{username}@example.org",
        },
    )
    if created:
        user.set_unusable_password()
        user.save()
    user.groups.add(Group.objects.get(name=group_name))
    return user


def add_candidatures(form_page, prefix, rows, answers=None):
    """Candidatures stored as if sent (PREFIX-YEAR-0001…); the next real one follows them.

    ``rows`` are (name, email, administration, problem, status); ``answers``
    gives the other questions' answers, by label.
    """

    form_page = type(form_page).objects.get(pk=form_page.pk)
    call = form_page.call
    year = timezone.localtime(call.opens_at).year
    names = {f["label"]: f["name"] for f in form_page.get_definition().fields}
    for index, (name, email, administration, problem, status) in enumerate(rows, 1):
        CandidatureFactory(
            page=form_page,
            call=call,
            reference=f"{prefix}-{year}-{index:04d}",
            applicant_name=name,
            applicant_email=email,
            administration=administration,
            service="",
            status=status,
            form_data={
                names[label]: value
                for label, value in {"Le problème": problem, **(answers or {})}.items()
            },
        )
    ReferenceSequence.objects.update_or_create(
        key=f"{prefix}-{year}", defaults={"last_number": len(rows)}
    )


def paris(day, hour, minute=0, second=0):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute, second)))


class Command(BaseCommand):
    help = "Charge le contenu de démonstration (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Supprime les pages de démonstration puis les recrée.",
        )

    @transaction.atomic
    def handle(self, *args, reset=False, **options):
        root = Page.get_first_root_node()
        if reset:
            for home in HomePage.objects.child_of(root).filter(
                slug__in=[HOME_SLUG, REGION["slug"]]
            ):
                # The demo's own pages, candidatures, evaluations and investigations
                # go with it: the rules that keep them are lifted for this, which is
                # logged, and for these only.
                demo_calls = CallPage.objects.descendant_of(home)
                with deletions_allowed("load_demo_content --reset"):
                    Investigation.objects.filter(call__in=demo_calls).delete()
                    EvaluationReopening.objects.filter(
                        evaluation__round__call__in=demo_calls
                    ).delete()
                    DiscussionComment.objects.filter(
                        round__call__in=demo_calls
                    ).delete()
                    Evaluation.objects.filter(round__call__in=demo_calls).delete()
                    Candidature.objects.filter(call__in=demo_calls).delete()
                    home.delete()

            Group.objects.filter(name__endswith=f" — {REGION['name']}").delete()
            Collection.objects.filter(name=REGION["name"]).delete()
            # Numbering restarts only where no candidature is left to collide with.
            for sequence in ReferenceSequence.objects.all():
                if not Candidature.objects.filter(
                    reference__startswith=f"{sequence.key}-"
                ).exists():
                    sequence.delete()

        home = HomePageFactory(
            parent=root,
            slug=HOME_SLUG,
            title="Atelier numérique",
            introduction="Vous connaissez un problème que rencontrent les usagers ou les agents "
            "de votre administration ? Proposez-le : nous vous aidons à l'investiguer.",
            body=[
                paragraph(
                    "<p>L'atelier accompagne des agents publics qui veulent améliorer le "
                    "service public de l'intérieur, avec la méthode des Startups d'État.</p>"
                )
            ],
        )
        created_site = self.attach_default_site(home)
        link_starting_groups(Site.objects.get(root_page=home))

        programme = ProgrammePageFactory(
            parent=home,
            slug="programme",
            title="Le programme",
            show_in_menus=True,
            introduction="De l'investigation d'un problème à un service public numérique qui "
            "a fait ses preuves, en quatre phases.",
            body=[
                paragraph(
                    "<p>Chaque phase se termine par une décision prise sur des faits : ce que "
                    "les usagers ont dit, ce que l'équipe a mesuré.</p>"
                ),
                {
                    "type": "key_figures",
                    "value": {
                        "title": "Chiffres clés",
                        "figures": [
                            {"figure": "candidatures", "call": None, "label": ""},
                            {"figure": "administrations", "call": None, "label": ""},
                            {"figure": "laureates", "call": None, "label": ""},
                        ],
                    },
                },
            ],
            committee_description="<p>Il examine l'impact mesuré de chaque service et décide "
            "de le poursuivre ou de l'arrêter, et des moyens à lui allouer.</p>",
            phases=PHASES,
        )

        today = timezone.localdate()
        opens = today - dt.timedelta(days=5)
        closes = today + dt.timedelta(days=6)
        call = CallPageFactory(
            parent=programme,
            slug="appel-a-candidatures",
            title=f"Appel à candidatures {today.year}",
            show_in_menus=True,
            introduction="Vous constatez un problème récurrent dans le service rendu au public ? "
            "Proposez-le avant la clôture : les projets retenus seront investigués avec l'appui "
            "d'un coach et d'un designer.",
            opens_at=paris(opens, 9),
            closes_at=paris(closes, 23, 59, 59),
            preselection_date=closes + dt.timedelta(days=4),
            selection_date=closes + dt.timedelta(days=7),
            investigations_start=closes + dt.timedelta(days=49),
            eligibility="<p>Tous les agents de l'administration, titulaires ou contractuels, "
            "quel que soit leur service. Aucune compétence informatique n'est requise.</p>",
            target_preselected=15,
            target_laureates=10,
            first_answer_target_days=10,
            body=[
                {"type": "heading", "value": {"text": "Objectifs", "level": "h2"}},
                paragraph(
                    "<ul><li>Investiguer des problèmes de politique publique</li>"
                    "<li>Repérer des agents motivés et les entourer de petites équipes "
                    "autonomes</li><li>Expérimenter des services numériques simples et utiles"
                    "</li><li>Diffuser de nouvelles façons de travailler</li></ul>"
                ),
                {
                    "type": "callout",
                    "value": {
                        "title": "Comment candidater ?",
                        "text": "Décrivez en quelques lignes le problème, ses conséquences "
                        "pour les usagers, et l'idée de solution que vous avez en tête.",
                        "link": {
                            "label": "",
                            "page": None,
                            "url": "",
                            "style": "primary",
                        },
                    },
                },
            ],
            criteria=CRITERIA,
        )

        FaqPageFactory(
            parent=call,
            slug="questions-frequentes",
            title="Questions fréquentes",
            introduction="Ce qu'il faut savoir avant de candidater.",
            body=FaqPageFactory.body_from_sections(FAQ),
        )

        form_page = CandidatureFormPageFactory(
            parent=call,
            slug="candidater",
            title="Déposer une candidature",
            notification_emails="programme@example.org",
            fields=DEMO_FIELDS,
        )

        news = NewsIndexPageFactory(
            parent=home, slug="actualites", title="Actualités", show_in_menus=True
        )
        NewsArticlePageFactory(
            parent=news,
            slug="ouverture-de-l-appel",
            title="L'appel à candidatures est ouvert",
            date=opens,
            introduction="Jusqu'à la clôture, chaque agent peut proposer un ou plusieurs "
            "problèmes à investiguer.",
            body=[
                paragraph(
                    "<p>Une quinzaine de projets seront pré-sélectionnés par un jury "
                    "pluridisciplinaire, puis un comité désignera les lauréats. Les "
                    "investigations démarreront quelques semaines plus tard.</p>"
                )
            ],
            tags=["Appel à candidatures"],
        )
        NewsArticlePageFactory(
            parent=news,
            slug="la-methode-essaime",
            title="La méthode essaime dans les territoires",
            date=opens - dt.timedelta(days=30),
            introduction="Onze collectivités ont ouvert la démarche à leurs agents : une "
            "soixantaine de personnes ont mené une investigation de neuf semaines.",
            body=[
                paragraph(
                    "<p>Vingt problèmes ont été investigués en un an : isolement des "
                    "personnes âgées, logement insalubre, inclusion numérique… À l'issue de "
                    "chaque investigation, l'équipe a choisi entre arrêter, continuer en "
                    "interne, déployer une solution existante ou construire un service.</p>"
                )
            ],
            tags=["Territoires", "Investigations"],
        )

        self.configure_identity(home)
        self.publish_new_pages(home)
        self.add_selection_demo(call, form_page)
        self.add_investigation_demo(home, call)
        self.add_second_incubator(opens, closes)
        self.stdout.write(
            self.style.SUCCESS(
                "Contenu de démonstration prêt"
                + (" (site par défaut rattaché à l'accueil)." if created_site else ".")
            )
        )

    def add_selection_demo(self, call, form_page):
        """A few candidatures, the team's accounts, a jury round and decision emails."""

        accounts = {
            username: demo_account(username, group, first, last)
            for username, group, first, last in DEMO_ACCOUNTS
        }

        if not Candidature.objects.filter(page=form_page).exists():
            add_candidatures(form_page, "AMO", DEMO_CANDIDATURES, DEMO_ANSWERS)

        review_round, _created = ReviewRound.objects.get_or_create(
            call=call,
            kind="preselection",
            defaults={
                "ends_on": call.preselection_date,
                # The jury's reminders go out before it (send_jury_reminders).
                "evaluation_deadline": call.preselection_date,
            },
        )
        RoundMember.objects.get_or_create(round=review_round, user=accounts["jury"])
        review_round.candidatures.add(
            *Candidature.objects.filter(call=call, status="eligible")
        )
        for status, subject, body in DEMO_TEMPLATES:
            NotificationTemplate.objects.get_or_create(
                call=None,
                site=call.get_site(),
                status=status,
                defaults={"subject": subject, "body": body},
            )

    def add_investigation_demo(self, home, call):
        """Two past investigations, one with learnings to share, and the page that shares them."""

        if not LearningsIndexPage.objects.child_of(home).exists():
            page = home.add_child(
                instance=LearningsIndexPage(
                    title="Ce que nous avons appris",
                    slug="enseignements",
                    show_in_menus=True,
                    introduction="Partager ce que chaque investigation a appris fait partie du programme.",
                )
            )
            page.save_revision().publish()
        site = call.get_site()
        # Who pays, by the kind of administration that asked: set per site by the team.
        Funder.objects.get_or_create(
            site=site,
            name="Programme national (démo)",
            defaults={"kinds": ["ministry", "central", "deconcentrated", "operator"]},
        )
        Funder.objects.get_or_create(
            site=site,
            name="Agence territoriale (démo)",
            defaults={"kinds": ["region", "department", "epci", "city"]},
        )
        if Investigation.objects.exists():
            return
        today = timezone.localdate()
        mairie, _created = Organisation.objects.get_or_create(
            site=site, name="Ville de l'Exemple", defaults={"kind": "city"}
        )
        prefecture, _created = Organisation.objects.get_or_create(
            site=site,
            name="Préfecture de l'Exemple",
            defaults={"kind": "deconcentrated"},
        )
        first = Investigation.objects.create(
            call=call,
            title="Signalements de voirie",
            problem_statement="Les signalements arrivent par cinq canaux et se perdent entre les services.",
            coach="Alex Coach",
            designer="Dana Design",
            referent="Robin Référent",
            starts_on=today - dt.timedelta(days=300),
            outcome="build_service",
            outcome_rationale="Les usagers signalent volontiers si on leur répond.",
            recommendations="Un point d'entrée unique, relié aux outils des services techniques.",
            conditions_of_success="Un agent référent par service, deux jours par semaine.",
            means_budget="Construction sur 6 mois",
            learnings="Le problème n'était pas le signalement mais l'absence de réponse : "
            "un accusé de suivi a fait doubler les signalements utiles.",
            publish_learnings=True,
        )
        first.organisations.add(mairie)
        first.propose_funder()
        Phase.objects.create(
            investigation=first,
            code="investigation",
            starts_on=first.starts_on,
            ends_on=first.starts_on + dt.timedelta(days=106),
        )
        Phase.objects.create(
            investigation=first,
            code="construction",
            starts_on=first.starts_on + dt.timedelta(days=106),
        )
        CommitteeEvent.objects.create(
            investigation=first,
            date=first.starts_on + dt.timedelta(days=106),
            decision="continue",
            comment="Comité final : construction d'un service.",
            documents="user_research,impact",
        )
        second = Investigation.objects.create(
            call=call,
            title="Aides périscolaires",
            problem_statement="Les familles ne savent pas à quelles aides elles ont droit.",
            starts_on=today - dt.timedelta(days=40),
        )
        second.organisations.add(prefecture)
        second.propose_funder()
        Phase.objects.create(
            investigation=second, code="investigation", starts_on=second.starts_on
        )
        plan(second)  # its checkpoints and committees, on the calendar

    def add_second_incubator(self, opens, closes):
        """A local authority's lab beside the ministry's: its own site, theme, team and dossiers.

        It answers on the other loopback name (``localhost`` when the admin is
        on 127.0.0.1), so both sites open side by side in a browser.
        """

        if HomePage.objects.filter(slug=REGION["slug"]).exists():
            return
        base_url = urlsplit(settings.WAGTAILADMIN_BASE_URL)
        hostname = "127.0.0.1" if base_url.hostname == "localhost" else "localhost"
        if Site.objects.filter(hostname=hostname, port=base_url.port or 80).exists():
            return
        incubator = create_incubator(
            REGION["name"],
            hostname,
            port=base_url.port or 80,
            name_lines=REGION["authority"],
            reference_prefix=REGION["prefix"],
            theme="neutral",
            contact_email="laboratoire@region.example.org",
            slug=REGION["slug"],
        )
        identity = SiteIdentity.for_site(incubator.site)
        identity.term_candidature, identity.term_candidatures = "projet", "projets"
        identity.investigation_weeks = 6
        identity.save()
        call = CallPageFactory(
            parent=incubator.programme,
            slug="appel-2026",
            title="Appel à projets des agents de la région",
            introduction="Vous voyez un irritant dans le quotidien des usagers de la région ? "
            "Proposez-le.",
            opens_at=paris(opens, 9),
            closes_at=paris(closes, 23, 59, 59),
            criteria=CRITERIA,
        )
        form_page = CandidatureFormPageFactory(
            parent=call,
            slug="candidater",
            title="Proposer un projet",
            introduction="Quelques minutes suffisent. Vous pourrez proposer d'autres "
            "projets ensuite.",
            notification_emails="laboratoire@region.example.org",
            confirmation_email_subject="Votre projet {reference} est bien arrivé",
            confirmation_email_body="Bonjour,\n\nNous avons bien reçu votre projet. "
            "Gardez sa référence, {reference}, pour toute question.\n\n"
            "Voici le résumé de vos réponses.",
            # Its sections as steps: « Vous », « Votre projet », « Documents utiles ».
            use_steps=True,
            fields=DEMO_FIELDS,
        )
        for page in (call, form_page):
            page.save_revision().publish()
        add_candidatures(form_page, REGION["prefix"], REGION_CANDIDATURES)
        for username, group, first, last in REGION_ACCOUNTS:
            demo_account(username, f"{group} — {REGION['name']}", first, last)

    def publish_new_pages(self, home):
        """Give each page built here a first revision, as if published in the admin."""
        for page in (
            home.get_descendants(inclusive=True).filter(latest_revision=None).specific()
        ):
            page.save_revision().publish()

    def attach_default_site(self, home):
        """Point the default site at the demo home, and drop Wagtail's welcome page."""
        base_url = urlsplit(settings.WAGTAILADMIN_BASE_URL)
        hostname = base_url.hostname or "localhost"
        port = base_url.port or (443 if base_url.scheme == "https" else 80)
        site = Site.objects.filter(is_default_site=True).first()
        if site is None:
            Site.objects.create(
                hostname=hostname,
                port=port,
                root_page=home,
                is_default_site=True,
                site_name="Atelier numérique",
            )
            return True
        if site.root_page_id == home.pk:
            return False
        previous = site.root_page.specific
        site.root_page = home
        site.hostname, site.port = hostname, port
        site.site_name = site.site_name or "Atelier numérique"
        site.save()
        welcome = (
            type(previous) is Page
            and previous.depth == 2
            and not previous.get_children().exists()
        )
        if welcome:
            previous.delete()
        return True

    def configure_identity(self, home):
        site = Site.objects.get(root_page=home)
        identity = SiteIdentity.for_site(site)
        if identity.contact_email:
            return
        identity.name_lines = "Ministère\nde la Démonstration"
        identity.service_title = "Atelier numérique"
        identity.tagline = "L'incubateur des agents qui améliorent le service public"
        identity.contact_email = "atelier-numerique@example.org"
        identity.footer_description = (
            "L'atelier numérique accompagne les agents publics qui veulent résoudre un "
            "problème rencontré par les usagers."
        )
        identity.personal_data_notice = (
            "<p>Les informations saisies dans une candidature servent uniquement à "
            "l'instruire. Elles sont lues par l'équipe du programme et par les membres du "
            "jury, et conservées le temps de l'appel puis de l'investigation éventuelle.</p>"
        )
        identity.save()
