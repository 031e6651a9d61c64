from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_cache_control


class DutchFirstLocaleMiddleware:
    """Dutch unless the visitor chose another language with the switcher (the language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, and a school tablet
    set up in English would then greet six-year-olds in English.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


class NoStoreWhenLoggedInMiddleware:
    """Nothing a logged-in person sees is kept by the browser or a proxy: on a shared device the
    back button after "Uitloggen" must not show the previous pupil's page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        logged_in = request.user.is_authenticated
        response = self.get_response(request)
        if logged_in or request.user.is_authenticated:
            patch_cache_control(response, no_store=True, no_cache=True, must_revalidate=True,
                                private=True, max_age=0)
        return response
