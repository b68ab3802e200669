<?php

namespace App\Http\Controllers;

use Illuminate\Http\JsonResponse;
use Illuminate\Http\Request;
use OssCallback;

/**
 * OSS upload callbacks, verified with OssCallback::verify() (oss_callback_receiver.php) over the RAW request.
 *
 *  - The body: $request->getContent() (php://input), the bytes OSS signed. $request->all(),
 *    input(), json() and $_POST are parsed copies (TrimStrings and ConvertEmptyStringsToNull have
 *    changed them too), and http_build_query()/json_encode() of them re-serialise.
 *  - The target: $request->getRequestUri(), the raw REQUEST_URI. path() drops the leading '/',
 *    decodedPath() decodes, and getPathInfo() drops the front controller: Laravel routes a
 *    callback to /index.php?id=1 as '/', while OSS signed '/index.php'.
 *  - getRealMethod(), not method(): a form field "_method" may override the latter.
 *  - CSRF: VerifyCsrfToken::$except holds CALLBACK_PATHS (OSS sends no token). The web group
 *    still starts a session for each callback (a file with the file driver, cleaned by its
 *    lottery); a route in routes/api.php has neither sessions nor CSRF.
 *  - OSS_CALLBACK_TRUSTED_KEY_URLS (extra key-URL prefixes) may go in .env: Laravel's Dotenv puts
 *    it in getenv(), which the export reads (not after `php artisan config:cache`: then set it in
 *    the server's environment).
 *  - The reply carries Content-Length: Laravel's JsonResponse has none, and OSS requires one (the
 *    built-in server and PHP-FPM behind nginx may send the body chunked or keep the connection open).
 */
class OssCallbackController extends Controller
{
    /** CALLBACK_PATHS: every callbackUrl path OSS calls back on, as $request->is() patterns ('*' is
     * any rest of the path): routes/web.php routes them here and VerifyCsrfToken exempts them. */
    public const CALLBACK_PATHS = [
        '/hooks/oss/callback', '/hooks/oss/callback/*',
    ];

    public function __invoke(Request $request): JsonResponse
    {
        $method = $request->getRealMethod();
        if ($method !== 'POST') {
            return $this->reply(405, 'method not allowed', 'OSS callbacks are POST requests', ['Allow' => 'POST']);
        }
        $body = $request->getContent();  // the raw bytes OSS signed
        if (strlen($body) > OssCallback::MAX_BODY) {
            return $this->reply(413, 'body too large', 'the body is over '.OssCallback::MAX_BODY.' bytes');
        }
        [$path, $query] = array_pad(explode('?', $request->getRequestUri(), 2), 2, null);
        $reason = OssCallback::verify($method, $path, $query, $request->headers->all(), $body);
        if ($reason !== null) {
            logger()->warning("callback rejected: $reason");
            return $this->reply(400, 'verify not ok', $reason);
        }
        $job = ['path' => $path, 'query' => $query, 'headers' => $request->headers->all(), 'body' => $body];
        $answer = handle_callback($job);  // oss_callback_receiver.php: your fast reply
        // Slow work after the reply has been sent (Laravel runs it when the request terminates).
        // `php artisan serve` handles one request at a time unless PHP_CLI_SERVER_WORKERS=N (as this
        // hookup is started: one slow key fetch would otherwise hold every other callback), so the
        // work holds a worker until it is done; under PHP-FPM it holds one FPM worker; a queue (`php artisan queue:work`)
        // with a queued job takes it out of the web server altogether.
        dispatch(function () use ($job) {
            slow_work($job);  // oss_callback_receiver.php: YOUR SLOW WORK GOES HERE
        })->afterResponse();
        return $this->json(200, $answer);
    }

    private function reply(int $status, string $word, string $reason, array $headers = []): JsonResponse
    {
        return $this->json($status, ['Status' => $word, 'Reason' => $reason], $headers);
    }

    private function json(int $status, array $doc, array $headers = []): JsonResponse
    {
        $response = response()->json($doc, $status, $headers, JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
        $response->headers->set('Content-Length', (string) strlen($response->getContent()));
        return $response;
    }
}
