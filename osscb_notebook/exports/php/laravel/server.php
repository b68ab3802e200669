<?php
// The router script `php artisan serve` gives PHP's built-in server (as in Laravel 8's skeleton):
// files under public/ are served as they are, everything else goes to public/index.php.
$uri = urldecode((string) parse_url((string) ($_SERVER['REQUEST_URI'] ?? '/'), PHP_URL_PATH));

if ($uri !== '/' && file_exists(__DIR__.'/public'.$uri)) {
    return false;
}

require_once __DIR__.'/public/index.php';
