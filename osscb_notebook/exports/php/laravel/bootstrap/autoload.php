<?php
// Composer's autoloader when the app was installed with composer (vendor/), else Debian's
// php-laravel-framework (/usr/share/php on the include_path) plus this app's App\ classes.
if (is_file(__DIR__.'/../vendor/autoload.php')) {
    require __DIR__.'/../vendor/autoload.php';
} else {
    require_once 'Illuminate/autoload.php';
    spl_autoload_register(function (string $class): void {
        if (strncmp($class, 'App\\', 4) === 0) {
            $file = __DIR__.'/../app/'.str_replace('\\', '/', substr($class, 4)).'.php';
            if (is_file($file)) {
                require $file;
            }
        }
    });
}

// The stand-alone export beside this app: OssCallback::verify(), handle_callback(), slow_work().
// Required, it only defines them (its server part runs only when it is the entry script).
require_once __DIR__.'/../oss_callback_receiver.php';
