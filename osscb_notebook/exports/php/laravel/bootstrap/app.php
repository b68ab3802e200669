<?php

// The folders Laravel writes to (a composer-created app ships them; an export holds files only).
$base = $_ENV['APP_BASE_PATH'] ?? dirname(__DIR__);
foreach (['bootstrap/cache', 'storage/framework/sessions', 'storage/framework/views', 'storage/framework/cache', 'storage/logs'] as $dir) {
    is_dir("$base/$dir") || mkdir("$base/$dir", 0700, true);
}

// APP_KEY (cookies and sessions are encrypted with it): from the environment or .env, else one
// made once for this folder and kept in storage/app.key (php artisan key:generate needs a .env).
if ((getenv('APP_KEY') ?: '') === '' && !is_file("$base/.env")) {
    $keyFile = "$base/storage/app.key";
    if (!is_file($keyFile)) {
        file_put_contents($keyFile, 'base64:'.base64_encode(random_bytes(32)));
        chmod($keyFile, 0600);
    }
    $key = trim((string) file_get_contents($keyFile));
    putenv("APP_KEY=$key");
    $_ENV['APP_KEY'] = $_SERVER['APP_KEY'] = $key;
}

$app = new Illuminate\Foundation\Application($base);

$app->singleton(Illuminate\Contracts\Http\Kernel::class, App\Http\Kernel::class);
$app->singleton(Illuminate\Contracts\Console\Kernel::class, App\Console\Kernel::class);
$app->singleton(Illuminate\Contracts\Debug\ExceptionHandler::class, App\Exceptions\Handler::class);

return $app;
